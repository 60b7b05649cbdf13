"""The Procfile's RQ worker class (`rq worker --worker-class portal.worker.Worker`)."""
from rq.worker import SimpleWorker

# How long the worker's command listener waits for a message before it looks whether it should stop.
LISTENER_POLL_SECONDS = 1


class Worker(SimpleWorker):
    """RQ's SimpleWorker (jobs run in the worker's own process, whose app ``jobs.in_app`` builds once), with a
    listener that stops within a second.

    RQ runs the listener of its control channel (stop a job, shut down) in a thread that waits up to 60 s
    for a message, and redis-py 8 joins that thread when the worker stops: once the channel was left and the
    thread was back to waiting, stopping took a full minute (a worker on SIGTERM, a burst worker at the end
    of its queue). RQ has no setting for that wait, so ``subscribe`` is RQ's own with a shorter one."""

    def subscribe(self):
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=LISTENER_POLL_SECONDS, daemon=True, exception_handler=self._pubsub_exception_handler
        )

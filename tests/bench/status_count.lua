-- wrk counts only 4xx/5xx as errors; a page that answered 302 (session lost) would look fast. Count
-- every answer that is not 200, over all threads, and print it for compare.py.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not200 = 0 end
function response(status, headers, body) if status ~= 200 then not200 = not200 + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("not200") end
  io.write(string.format("Not-200 responses: %d\n", total))
end

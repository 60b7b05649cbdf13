"""The node's documents: the scheda analitica as PDF and letters from the node's templates.

Above ``cases`` in the layers (it reads the analytical record and stores letters as case documents);
the PDF primitives it shares with the art. 15 export live lower, in ``portal.core.pdf``."""

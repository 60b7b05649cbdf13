"""Growing the network: anti-discrimination training, agreements, public calls (avvisi) and applications."""

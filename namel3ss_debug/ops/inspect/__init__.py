"""`inspect`: the options checked into a request, the events read, the view's record built."""

-- One small non-streaming chat completion, the shape most gateway traffic has.
-- PORTKEY_CUSTOM_HOST set: the request is for the Portkey gateway, routed by its headers to that
-- OpenAI-compatible upstream (BENCH_KEY then is the upstream's key, which Portkey passes on).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "bench-key")
if os.getenv("PORTKEY_CUSTOM_HOST") then
  wrk.headers["x-portkey-provider"] = "openai"
  wrk.headers["x-portkey-custom-host"] = os.getenv("PORTKEY_CUSTOM_HOST")
end
wrk.body = '{"model":"bench","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hello to the benchmark."}],"max_tokens":64}'

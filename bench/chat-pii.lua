-- The small chat completion of chat.lua, with personal data in it (an e-mail address and an
-- IBAN): a pseudonymising guard replaces both on the way in and restores them in the answer
-- (the demo upstream echoes the user's words).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "bench-key")
wrk.body = '{"model":"bench","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hello to jane.doe@example.com, IBAN DE89 3704 0044 0532 0130 00."}],"max_tokens":64}'

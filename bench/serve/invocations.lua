-- wrk script for POST /invocations with an MLflow dataframe_split body read from a file.
--   wrk -t2 -c64 -d12s --latency -s bench/serve/invocations.lua http://127.0.0.1:PORT/invocations -- bench/serve/body-10.json [token]
-- The optional token is sent as `Authorization: Bearer <token>` (mlops deploy serve --token).
-- Non-2xx answers show in wrk's summary as "Non-2xx or 3xx responses: N" (the swap-under-load step counts them).
function init(args)
   local file = assert(io.open(args[1] or "bench/serve/body-1.json", "rb"))
   wrk.method = "POST"
   wrk.body = file:read("*a")
   file:close()
   wrk.headers["Content-Type"] = "application/json"
   if args[2] and args[2] ~= "" then
      wrk.headers["Authorization"] = "Bearer " .. args[2]
   end
end

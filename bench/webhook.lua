-- wrk script: POST pre-signed Twilio webhooks, each request used once across threads and runs
-- (bench/run.py runs one thread: see WRK_THREADS there).
-- args: data file (bodies, sigs), path, offset, thread count, block
-- Thread t of a run takes requests offset + t*block + 1, + 2, ...: its own block, so a thread
-- that runs ahead of the other never reuses its texts (a repeated MessageSid costs the server
-- less than a new text and would flatter the figure). done() reports the most any thread took.
local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  dofile(args[1])
  target = args[2]
  offset = tonumber(args[3])
  nthreads = tonumber(args[4])
  block = tonumber(args[5])
  k = 0
end

function request()
  local i = offset + id * block + k + 1
  k = k + 1
  if i > #bodies then i = ((i - 1) % #bodies) + 1 end
  return wrk.format("POST", target, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = sigs[i],
  }, bodies[i])
end

function done(summary, latency, requests)
  local most = 0
  for _, thread in ipairs(threads) do
    local taken = thread:get("k") or 0
    if taken > most then most = taken end
  end
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "status_errors": %d, "connect_errors": %d, ' ..
    '"timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"most_per_thread": %d}\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, most))
end

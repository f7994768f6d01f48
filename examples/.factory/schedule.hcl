# Every night at 03:00 UTC a run of the event "schedule" starts on the default branch's head: the pipelines without
# an events filter (build) run, so a broken dependency or a flaky test shows up before the morning's first push.
# Read from the default branch only (docs/factory-hcl.md#schedules); `factory-agent plan` shows the next due time.
schedule "nightly" {
  cron = "0 3 * * *"
}

# Publishes a release for version tags such as v1.2.0.
pipeline "release" {
  depends_on = ["build"]

  filter {
    events = ["tag"]
    tags   = ["v*"]
  }

  stage "publish" {
    execution "notes" {
      command = "echo 'writing release notes'"
      # a flaky upload is tried once more, but not when the agent itself could not start it
      retry    = 1
      retry_on = ["exit_code", "timeout"]
    }
    execution "announce" {
      command = "echo 'announcing the release'"
      # an announcement that fails does not fail the release: it is shown as an allowed failure
      allow_failure = true
    }
  }

  # Runs after "publish", also when it failed: cleanup, report upload, notification.
  stage "cleanup" {
    when = "always"
    execution "tidy" {
      command = "echo 'removing the release workspace'"
    }
  }
}

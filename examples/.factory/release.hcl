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
    }
  }
}

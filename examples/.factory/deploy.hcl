# Ships what `build` built, only for pushes to main.
pipeline "deploy" {
  depends_on = ["build"]

  filter {
    events   = ["push"]
    branches = ["main"]
  }

  stage "ship" {
    execution "release" {
      # The secret arrives as an environment variable; its value is masked in every log line.
      command = <<-EOT
        if [ -n "$DEPLOY_TOKEN" ]; then echo "deploying with token $DEPLOY_TOKEN"; else echo "DEPLOY_TOKEN not set: dry run"; fi
        echo "deployed $TARGET"
      EOT
      env     = { TARGET = "production" }
      secrets = ["DEPLOY_TOKEN"]
      timeout = "2m"
    }
  }
}

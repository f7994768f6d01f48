# Checks that only make sense for a pull request.
pipeline "pr-checks" {
  filter {
    events = ["pull_request"]
  }

  stage "review" {
    execution "title" {
      command = "echo 'checking the pull request conventions'"
    }
    execution "size" {
      command = "echo 'the change is small enough to review'"
    }
  }
}

# Only when documentation changed (or when the changed paths are unknown).
pipeline "docs" {
  filter {
    events = ["pull_request"]
    paths  = ["docs/**", "**/*.md"]
  }

  stage "check" {
    execution "links" {
      command = "echo 'documentation links look fine'"
    }
  }
}

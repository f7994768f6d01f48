# Runs on every push, tag and pull request: no filter.
pipeline "build" {
  env     = { CI = "true", NODE_ENV = "test" }
  timeout = "5m" # default for every execution below

  stage "prepare" {
    execution "toolchain" {
      command = "node --version && npm --version"
    }
  }

  # The executions of a stage run in parallel; the stage fails when one of them fails.
  stage "test" {
    execution "unit" {
      command = <<-EOT
        echo "running unit tests in $NODE_ENV mode"
        node -e 'const assert = require("node:assert"); assert.strictEqual(1 + 1, 2); console.log("2 tests passed")'
        sleep 1
      EOT
      timeout = "1m"
    }
    execution "lint" {
      command = "sleep 1 && echo 'lint: no problems'"
    }
    execution "inventory" {
      command = "ls -a | head -n 5 && echo \"listed in $PWD\""
      env     = { LC_ALL = "C" }
    }
  }
}

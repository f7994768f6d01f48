# A matrix pipeline: one copy per combination of its axes, minus the excluded ones. Here three copies run in parallel,
# "compat (os=linux, node=20)", "compat (os=linux, node=22)" and "compat (os=mac, node=22)"; each gets its values as
# MATRIX_OS and MATRIX_NODE. A `depends_on = ["compat"]` would wait for all three.
pipeline "compat" {
  matrix {
    os      = ["linux", "mac"]
    node    = [20, 22]
    exclude = [{ os = "mac", node = 20 }]
  }

  stage "check" {
    execution "versions" {
      command = "echo \"checking $MATRIX_OS with node $MATRIX_NODE\""
    }
  }
}

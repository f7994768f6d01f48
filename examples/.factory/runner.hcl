# The pod every workflow of this repository runs in (ignored by `factory-agent run`, which runs locally).
runner {
  image  = "node:20-bookworm"
  cpu    = "1"
  memory = "1Gi"
}

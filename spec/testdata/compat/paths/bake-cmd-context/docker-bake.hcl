target "default" {
  context = BAKE_CMD_CONTEXT
  args    = { CTX = BAKE_CMD_CONTEXT }
}

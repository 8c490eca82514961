# Declared for an editor; the built-in value stands.
variable "BAKE_CMD_CONTEXT" {
  default = "mine"
}
target "default" {
  args = { C = BAKE_CMD_CONTEXT }
}

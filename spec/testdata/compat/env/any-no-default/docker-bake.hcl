variable "ANY" {
  type = any
}
target "default" {
  args = { IS_NULL = ANY == null ? "yes" : "no" }
}

node = "22"
target "default" {
  args = { NODE = node }
}

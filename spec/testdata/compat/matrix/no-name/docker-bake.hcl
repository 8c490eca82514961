target "app" {
  matrix = { v = ["1", "2"] }
  args = { V = v }
}

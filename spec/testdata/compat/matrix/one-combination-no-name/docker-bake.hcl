target "app" {
  matrix = { v = ["1"] }
  args = { V = v }
}

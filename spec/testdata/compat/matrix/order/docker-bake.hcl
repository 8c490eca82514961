target "x" {
  name = "x-${b}-${a}"
  matrix = { b = ["2", "1"], a = ["z", "y"] }
}

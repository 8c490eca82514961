function "f" {
  result = "x"
}
target "default" { args = { A = f() } }

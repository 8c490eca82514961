function "noparams" { # ERROR: Function without params @10
  result = "x"
}
function "ok" {
  params = []
  result = "y"
}
target "t" {
  args = { A = ok() }
}

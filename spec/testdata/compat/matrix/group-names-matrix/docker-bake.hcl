target "app" {
  name = "app-${v}"
  matrix = { v = ["1", "2"] }
  args = { V = v }
}
group "default" { targets = ["app"] }

target "lonely" { # WARNING(no-output): No output @8
}
target "checked" {
  call = "check"
}
target "uses-base" {
  contexts = { base = "target:base" }
  output   = ["type=cacheonly"]
}
target "base" {
}
group "default" {
  targets = ["lonely", "checked", "uses-base"]
}

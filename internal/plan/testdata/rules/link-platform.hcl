target "base" {
  platforms = ["linux/amd64"]
}
target "any-base" {
}
target "app" {
  platforms = ["linux/amd64", "linux/arm64"]
  contexts  = { base = "target:base", other = "target:any-base" } # ERROR(link-platform): Platform missing in linked target @24
  output    = ["type=oci,dest=app.tar"]
}
group "default" {
  targets = ["app"]
}

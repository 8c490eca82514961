# OPTIONS: spec-errors
target "app" {
  contexts   = { x = "target:bse" } # ERROR(unknown-target): Unknown target @22
  depends_on = ["nope"] # ERROR(unknown-target): Unknown target @17
  builder    = "frm" # ERROR(unknown-builder): Unknown builder @16
  output     = ["type=oci,dest=app.tar"]
}
target "base" {}
group "default" {
  targets = ["app"]
}

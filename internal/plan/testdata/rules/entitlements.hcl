# OPTIONS: allow=security.insecure
target "host" {
  network = "host" # ERROR(entitlement-not-allowed): Entitlement not granted @13
  output  = ["type=oci,dest=a.tar"]
}
target "insecure" {
  entitlements = ["security.insecure"]
  output       = ["type=oci,dest=b.tar"]
}
target "outside" {
  output = ["type=local,dest=/tmp/xbake-outside"] # ERROR(output-outside-tree): Output outside the spec's directory @13
}

target "app" {
  output = [
    "type=imag", # ERROR: Invalid output entry @5
    "dest=out", # ERROR: Invalid output entry @5
    { type = "local", dest = "ok" },
  ]
  secret = [
    "src=foo", # ERROR: Invalid secret entry @5
    "id=a,sorce=foo", # ERROR: Invalid secret entry @5
  ]
  cache-from = ["type=local,src"] # ERROR: Invalid cache-from entry @17
  attest = ["provenance"] # ERROR: Invalid attest entry @13
  ssh = [1] # ERROR: Invalid ssh entry @10
}

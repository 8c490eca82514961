target "default" {
  cache-from = ["user/app:cache", "type=registry,ref=user/app:cache2", "user/app:a,user/app:b"]
  cache-to   = ["user/app:cache"]
}

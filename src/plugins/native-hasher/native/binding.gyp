{
  "targets": [
    {
      "target_name": "argmin_shani",
      "sources": ["argmin-shani.c", "cpu-features.c", "napi-addon.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O3", "-std=gnu11", "-Wall", "-Wextra"]
    }
  ]
}

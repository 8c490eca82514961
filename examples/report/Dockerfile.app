FROM base
RUN ["/bin/busybox", "sh", "-c", "echo app > /app.txt"]
RUN ["/bin/busybox", "sleep", "1"]

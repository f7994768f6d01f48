# Run inside an execution: which processes can it see, and whose environment or memory can it read?
n=0
for dir in /proc/[0-9]*; do
  n=$((n + 1))
  pid=$(basename "$dir")
  echo "sees pid $pid: $(tr '\0' ' ' < "$dir/cmdline" 2>/dev/null | cut -c1-100)"
  if grep -qaE 'FACTORY_RUN_TOKEN|FACTORY_ENCRYPTION_KEY|DATABASE_URL|FACTORY_ADMIN_TOKEN|REDIS_URL' "$dir/environ" 2>/dev/null; then
    echo "ALLOWED environ of pid $pid holds FactoryCI credentials"
  fi
done
echo "visible processes: $n"
if ps -e >/dev/null 2>&1; then echo "ps -e lists $(ps -e --no-headers | wc -l) processes"; fi
for pid in $HOST_PIDS; do
  if cat "/proc/$pid/environ" >/dev/null 2>&1; then echo "ALLOWED environ of host pid $pid"; else echo "BLOCKED environ of host pid $pid"; fi
  if head -c 1 "/proc/$pid/mem" >/dev/null 2>&1; then echo "ALLOWED memory of host pid $pid"; else echo "BLOCKED memory of host pid $pid"; fi
  if kill -0 "$pid" 2>/dev/null; then echo "ALLOWED signal to host pid $pid"; else echo "BLOCKED signal to host pid $pid"; fi
done
exit 0

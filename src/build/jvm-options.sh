# The JVM options that ./cortado chooses, sourced by it (and by JvmOptionsTest). The figures behind each choice are in
# bench/RESULTS.md, "JVM options for one-shot commands"; the user's CORTADO_JAVA_OPTS come after these, so they win.

# jvm_options HERE SIMD USER_OPTS ARGS...: sets the array JVM_OPTIONS for running cortado from checkout HERE with
# the Vector API unless SIMD is "false", user options USER_OPTS, and the command line ARGS.
jvm_options() {
  local here=$1 simd=$2 user=" $3 "
  shift 3
  JVM_OPTIONS=()
  # Class-data sharing: the classes of a small forward pass, archived when the jar was built (src/build/cds.sh), so
  # that they are mapped rather than loaded, verified and linked one by one. The archive was made with the Vector API
  # module; for a jar rebuilt since, another JDK or another path, the JVM ignores it (-Xshare:auto) and its warning
  # about that is silenced: the archive only saves time, and stdout is the command's.
  local archive=$here/src/target/cortado.jsa
  if [[ $simd != false && -f $archive ]]; then
    JVM_OPTIONS+=("-XX:SharedArchiveFile=$archive" "-Xlog:cds=off" "-Xlog:cds+dynamic=off")
  fi
  # Commands that run a net a few times and exit: the serial collector with a small young generation. Until C2 has
  # compiled the Vector API kernels they allocate gigabytes of boxed vectors, all short-lived; G1 grew its heap to
  # several times what was live (SqueezeNet v1.1, batch 1: 454 MB resident against 123 MB). Training and extraction
  # runs keep the JVM's default collector. A collector the user names is not contradicted (the JVM refuses two).
  if [[ $(cortado_subcommand "$@") =~ ^(forward|classify|inspect|weights|report|help|)$ ]] \
      && ! [[ $user =~ [[:space:]]-XX:\+Use[A-Za-z0-9]+GC[[:space:]] ]]; then
    JVM_OPTIONS+=("-XX:+UseSerialGC" "-Xmn16m")
  fi
}

# cortado_subcommand ARGS...: the first argument that is not an option (the options before a subcommand take no
# value: --verbose, --help, --version), or nothing.
cortado_subcommand() {
  local a
  for a in "$@"; do
    if [[ $a != -* ]]; then
      printf '%s' "$a"
      return
    fi
  done
}

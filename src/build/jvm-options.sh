# The JVM options that ./cortado chooses, sourced by it (and by JvmOptionsTest). The figures behind each choice are in
# bench/RESULTS.md, "JVM options for one-shot commands"; the user's CORTADO_JAVA_OPTS come after these, so they win.

# jvm_options HERE SIMD JAVA_MAJOR USER_OPTS ARGS...: sets the array JVM_OPTIONS for running cortado from checkout
# HERE with the Vector API unless SIMD is "false", on a JVM of feature version JAVA_MAJOR (17, 25; empty when not
# known), user options USER_OPTS, and the command line ARGS.
jvm_options() {
  local here=$1 simd=$2 major=${3:-0} user=" $4 "
  shift 4
  JVM_OPTIONS=()
  if ((major >= 24)); then
    # protobuf-java reads arrays through sun.misc.Unsafe, about which JDK 24 and later print four lines of warning
    # on standard error at the first call: an error would no longer be one line.
    JVM_OPTIONS+=("--sun-misc-unsafe-memory-access=allow")
  fi
  # Class-data sharing: the classes of a small forward pass, archived when the jar was built (src/build/cds.sh), so
  # that they are mapped rather than loaded, verified and linked one by one: on JDK 24 and later the ahead-of-time
  # cache (classes loaded and linked, and the training run's method profiles), before that a dynamic archive. Both
  # were made with the Vector API module; for a jar rebuilt since, another JDK or another path, the JVM ignores them
  # and its warning about that is silenced: they only save time, and stdout is the command's.
  local archive=$here/src/target/cortado.jsa cache=$here/src/target/cortado.aot
  if [[ $simd != false ]] && ((major >= 24)) && [[ -f $cache ]]; then
    JVM_OPTIONS+=("-XX:AOTCache=$cache" "-Xlog:aot=off" "-Xlog:cds=off")
  elif [[ $simd != false ]] && ((major < 24)) && [[ -f $archive ]]; then
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

# java_major JAVA: the feature version (17, 25) of the JDK whose launcher JAVA is, from its release file rather than
# by starting a JVM; nothing when that file is not found.
java_major() {
  local bin version
  bin=$(command -v "$1") || return 0
  bin=$(readlink -f "$bin")
  [[ -f ${bin%/bin/*}/release ]] || return 0
  version=$(sed -n 's/^JAVA_VERSION="\([0-9.]*\).*/\1/p' "${bin%/bin/*}/release")
  version=${version#1.}
  printf '%s' "${version%%.*}"
}

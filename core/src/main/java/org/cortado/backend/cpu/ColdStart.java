package org.cortado.backend.cpu;

/**
 * Whether a fresh JVM's Vector API GEMM tile runs compiled yet. Until C2 has compiled it, its vectors are boxed and
 * it runs about a hundred times slower than compiled, and several times slower than the plain-Java tile, which
 * HotSpot compiles within milliseconds; the two give the same bits. So {@link Gemm} multiplies with the plain tile
 * until {@link CpuWarmUp}, which runs the vector tile on its own thread, sees it run at compiled speed, and with the
 * vector tile from then on. Off (the vector tile from the first call) with {@code -Dcortado.coldstart=false}, and
 * whenever the warm-up is off, since nothing else would compile the vector tile.
 */
final class ColdStart {
    /** System property that turns the plain tiles of a fresh JVM off. */
    static final String PROPERTY = "cortado.coldstart";

    private static volatile boolean tilesCompiled = !"true".equalsIgnoreCase(System.getProperty(PROPERTY, "true"))
            || "false".equalsIgnoreCase(System.getProperty(CpuWarmUp.PROPERTY));

    private ColdStart() {
    }

    /** Whether the vector tile runs compiled, or the plain one is not to stand in for it. */
    static boolean tilesCompiled() {
        return tilesCompiled;
    }

    /** From now on, the vector tile (the warm-up measured it compiled, or ended). */
    static void markTilesCompiled() {
        tilesCompiled = true;
    }
}

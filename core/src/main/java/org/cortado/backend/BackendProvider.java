package org.cortado.backend;

/**
 * A backend that lives in another module (the GPU backend in cortado-kernels), found at run time through
 * {@link java.util.ServiceLoader} so that core does not depend on it. Implementations are listed in
 * {@code META-INF/services/org.cortado.backend.BackendProvider} of their jar.
 */
public interface BackendProvider {

    /** The device kind this provider opens, as the user names it ({@code "gpu"}). */
    String kind();

    /**
     * Opens a backend on device {@code ordinal} of this kind (0 first, in the driver's order).
     *
     * @throws BackendUnavailableException when it cannot run here, or there is no such device; the message lists what
     *                                     was looked for, where, and why each candidate failed
     */
    Backend open(int ordinal);

    /** Opens a backend on the first device of this kind: {@code open(0)}. */
    default Backend open() {
        return open(0);
    }
}

package org.cortado.spark;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.cortado.backend.Backend;
import org.cortado.backend.Backends;
import org.cortado.cli.ModelDefaults;
import org.cortado.data.Batch;
import org.cortado.transfer.CodeNet;

/**
 * The code nets of this JVM (an executor, or the driver in local mode), one per {@link CodeSettings}: loaded by the
 * first task that needs it and kept for every later task and partition, so that a job reads the weights once per
 * executor rather than once per partition. Tasks running at once share the net and take turns on its forward pass
 * ({@link Loaded#codes}); their decoding runs in parallel, and the CPU backend spreads one forward pass over all cores.
 */
public final class ExecutorNets {
    private static final Map<CodeSettings, Loaded> NETS = new ConcurrentHashMap<>();

    private ExecutorNets() {
    }

    /** A loaded code net and its backend. */
    public static final class Loaded {
        private final CodeNet net;
        private final Backend backend;

        Loaded(CodeNet net, Backend backend) {
            this.net = net;
            this.backend = backend;
        }

        public CodeNet net() {
            return net;
        }

        public Backend backend() {
            return backend;
        }

        /** The codes of a batch; one forward pass at a time on this net. */
        public synchronized float[][] codes(Batch batch) {
            return batch.size() == 0 ? new float[0][] : net.codes(batch);
        }
    }

    /** The net of {@code settings}, loading it on first use. */
    public static Loaded get(CodeSettings settings) {
        return NETS.computeIfAbsent(settings, ExecutorNets::load);
    }

    private static Loaded load(CodeSettings settings) {
        ModelDefaults d = settings.resolve();
        Backend backend = Backends.select(settings.device());
        try {
            return new Loaded(CodeNet.load(Path.of(settings.model()), Path.of(settings.weights()), d.codes(),
                    d.input(), backend), backend);
        } catch (RuntimeException | Error e) {
            backend.close();
            throw e;
        }
    }
}

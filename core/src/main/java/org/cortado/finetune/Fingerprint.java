package org.cortado.finetune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cortado.backend.Backend;
import org.cortado.solver.SolverSettings;

/**
 * What must not change between a run and its resumption for the resumed run to equal the uninterrupted one: the
 * run's settings, and what decides the bits of the arithmetic (the backend's {@link Backend#numerics()}: device,
 * compute threads, kernel choices).
 */
final class Fingerprint {
    private Fingerprint() {
    }

    /** Entries added after snapshots were first written, with the value that a snapshot without them was made with. */
    private static final Map<String, Object> ADDED_LATER = Map.of("winograd_f4", "off");

    /** The fingerprint of a run of {@code cfg} with solver settings {@code s} on {@code backend}. */
    static Map<String, Object> of(FineTuneConfig cfg, SolverSettings s, Backend backend) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("model", cfg.model().toString());
        f.put("weights", cfg.weights().toString());
        f.put("train", cfg.train().spec());
        f.put("val", cfg.val() == null ? "held out " + cfg.valFraction() : cfg.val().spec());
        f.put("replace", cfg.replace());
        f.put("new_layer", cfg.replacementName());
        f.put("freeze_through", cfg.freezeThrough());
        f.put("epochs", cfg.epochs());
        f.put("seed", cfg.seed());
        f.put("batch_size", cfg.batchSize());
        f.put("solver", s.toString());
        f.put("train_val", cfg.trainVal() == null ? null : cfg.trainVal().toString());
        f.put("head_lr_mult", (double) cfg.headLrMult());
        f.put("linear_probe", cfg.linearProbe());
        f.put("train_transform", cfg.trainTransform().describe());
        f.put("val_transform", cfg.evalTransform().describe());
        f.putAll(backend.numerics());
        return f;
    }

    /**
     * Where {@code saved} (read back from a snapshot) and {@code current} differ, one phrase each, in the order of
     * {@code current}; empty when they agree.
     */
    static List<String> differences(Map<String, Object> saved, Map<String, Object> current) {
        Map<?, ?> now = Snapshots.JSON.convertValue(current, Map.class);
        List<String> differences = new ArrayList<>();
        for (var key : now.keySet()) {
            String was = String.valueOf(saved.containsKey(key) ? saved.get(key) : ADDED_LATER.get(key));
            String is = String.valueOf(now.get(key));
            if (!was.equals(is)) {
                differences.add(phrase(String.valueOf(key), was, is));
            }
        }
        return differences;
    }

    /** One difference, with how to match the snapshot where that is a switch of the engine. */
    private static String phrase(String key, String was, String is) {
        return switch (key) {
            case "compute_threads" -> "snapshot was made with " + was + " compute threads, this run has " + is
                    + " (-Dcortado.threads=" + was + " to match)";
            case "gemm_kernel" -> "snapshot was made with the " + was + " matrix kernel, this run has the " + is
                    + " one (-Dcortado.simd=false selects java; the vector kernel needs the same vector width)";
            case "winograd" -> "snapshot was made with Winograd convolutions " + was + ", this run has them " + is
                    + " (-Dcortado.winograd=" + ("on".equals(was)) + " to match)";
            case "winograd_f4" -> "snapshot was made with F(4x4) Winograd " + was + ", this run has it " + is
                    + " (-Dcortado.winograd.f4=" + ("on".equals(was)) + " to match)";
            case "device" -> "snapshot was made on " + was + ", this run is on " + is;
            default -> key + " " + was + " (snapshot) vs " + is + " (now)";
        };
    }
}

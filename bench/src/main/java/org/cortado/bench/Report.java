package org.cortado.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.cortado.backend.ConvGeometry;

/**
 * Prints the benchmark table in Markdown from a results folder of bench/compare.sh: JMH's {@code jmh-*.json} and
 * the peers' {@code opencv-*.json} (OpenCV dnn) and {@code torch-*.json} (PyTorch on the CPU, the fine-tuning
 * step). Per row: our time, our rate (GFLOP/s with the fraction of the measured peak, or images/s), the peer's time
 * where it was measured in the same run (the mean of its runs before and after ours, both shown), and the ratio
 * peer time / our time (above 1: we are faster).
 *
 * <p>Usage: {@code Report RESULTS_DIR}.
 */
public final class Report {
    private record Row(String key, String what, double ms, String rate, double flops) {
    }

    /**
     * This machine's single-precision peak: 2 cores x 3.56 GHz x 32 FLOP/cycle (Zen 4: two 256-bit FMA pipes, 16
     * fp32 FMA lanes x 2 FLOPs), the clock being the one {@link PeakBench} implied on a lightly loaded machine
     * (bench/RESULTS.md). The probe's figure of each run is printed beside it, since load lowers it.
     */
    static final double NOMINAL_PEAK_GFLOPS = 2 * 3.56 * 32;

    private Report() {
    }

    /** Row order: the goal rows first, then the families. */
    private static int rank(String key) {
        String[] order = {"forward/", "zoo/", "load/", "extract/", "decode", "finetune/", "peak", "gemm/", "conv-"};
        for (int i = 0; i < order.length; i++) {
            if (key.startsWith(order[i])) {
                return i;
            }
        }
        return order.length;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1 || !Files.isDirectory(Path.of(args[0]))) {
            System.err.println("usage: Report RESULTS_DIR (with jmh-*.json and opencv-*.json)");
            System.exit(2);
        }
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> jmh = new ArrayList<>();
        Map<String, List<Double>> peer = new TreeMap<>();
        Map<String, String> peerName = new TreeMap<>();
        try (Stream<Path> files = Files.list(Path.of(args[0]))) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.startsWith("jmh-") && name.endsWith(".json")) {
                    json.readTree(f.toFile()).forEach(jmh::add);
                } else if ((name.startsWith("opencv-") || name.startsWith("torch-")) && name.endsWith(".json")) {
                    JsonNode doc = json.readTree(f.toFile());
                    String who = doc.has("opencv") ? "OpenCV " + doc.path("opencv").asText()
                            : doc.path("peer").asText("peer");
                    doc.path("rows").fields().forEachRemaining(e -> {
                        peer.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue().asDouble());
                        peerName.put(e.getKey(), who);
                    });
                }
            }
        }
        double peakGflops = Double.NaN;
        List<Row> rows = new ArrayList<>();
        for (JsonNode r : jmh) {
            String bench = r.path("benchmark").asText();
            String cls = bench.substring(bench.lastIndexOf('.', bench.lastIndexOf('.') - 1) + 1, bench.lastIndexOf('.'));
            String method = bench.substring(bench.lastIndexOf('.') + 1);
            JsonNode p = r.path("params");
            double ms = r.path("primaryMetric").path("score").asDouble();
            switch (cls) {
                case "PeakBench" -> {
                    int threads = r.path("threads").asInt(1);
                    peakGflops = threads * PeakBench.flopsPerCall() / (ms * 1e6);
                    rows.add(new Row("peak", "peak probe: FMA chains, " + threads + " threads", ms,
                            fmt("%.1f GFLOP/s", peakGflops), Double.NaN));
                }
                case "GemmBench" -> {
                    String shape = p.path("shape").asText();
                    Workloads.GemmShape s = Workloads.gemm(shape);
                    rows.add(new Row("gemm/" + shape, String.format("GEMM %s (%dx%dx%d%s%s)", shape, s.m(), s.n(),
                            s.k(), s.transA() ? " A^T" : "", s.transB() ? " B^T" : ""), ms, null, s.flops()));
                }
                case "ConvBench" -> {
                    String layer = p.path("layer").asText();
                    int batch = p.path("batch").asInt();
                    ConvGeometry g = Workloads.conv(layer).geometry(batch);
                    rows.add(new Row("conv-" + method + "/" + layer + "/" + batch, "conv " + method + " " + layer
                            + " batch " + batch, ms, null, g.flops()));
                }
                case "ForwardBench" -> {
                    String net = p.path("net").asText();
                    int batch = p.path("batch").asInt();
                    rows.add(new Row("forward/" + net + "/" + batch, "forward " + net + " batch " + batch, ms,
                            fmt("%.1f img/s", batch * 1000 / ms), Double.NaN));
                }
                case "ZooBench" -> {
                    String net = p.path("net").asText();
                    int batch = p.path("batch").asInt();
                    rows.add(new Row("zoo/" + net + "/" + batch, "forward " + net + " to its last layer, batch "
                            + batch, ms, fmt("%.1f img/s", batch * 1000 / ms), Double.NaN));
                }
                case "FinetuneBench" -> {
                    String net = p.path("net").asText();
                    String train = p.path("train").asText();
                    int batch = p.path("batch").asInt();
                    rows.add(new Row("finetune/" + net + "-" + train + "/" + batch, "fine-tuning step " + net + " "
                            + (train.equals("all") ? "all layers" : "frozen through " + (net.equals("alexnet")
                            ? Nets.ALEXNET_FROZEN_THROUGH : Nets.SQUEEZENET_FROZEN_THROUGH)) + " batch " + batch, ms,
                            fmt("%.1f img/s", batch * 1000 / ms), Double.NaN));
                }
                case "LoadBench" -> rows.add(new Row("load/alexnet", "load AlexNet prototxt + 244 MB caffemodel",
                        ms, null, Double.NaN));
                case "ExtractBench" -> rows.add(new Row("extract/hymenoptera",
                        "hymenoptera 398 files: decode + resize + SqueezeNet fire9 codes", ms,
                        fmt("%.1f img/s", 398 * 1000 / ms), Double.NaN));
                case "DecodeBench" -> {
                    String decoder = p.path("decoder").asText();
                    boolean transform = method.equals("decodeTransform");
                    rows.add(new Row((transform ? "decode-transform" : "decode") + "/hymenoptera/" + decoder,
                            "hymenoptera 398 files, 1 thread: decode" + (transform ? " + resize to 227 + mean" : "")
                                    + " (" + decoder + ")", ms, fmt("%.2f ms/file", ms / 398), Double.NaN));
                }
                default -> rows.add(new Row(cls + "." + method, cls + "." + method, ms, null, Double.NaN));
            }
        }
        rows.sort(java.util.Comparator.comparingInt((Row r) -> rank(r.key())));
        System.out.println("| work | ours (ms) | ours | peer (ms) | peer before / after (ms) | peer "
                + "| ratio peer/ours |");
        System.out.println("| --- | ---: | --- | ---: | --- | --- | ---: |");
        for (Row row : rows) {
            String rate = row.rate();
            if (rate == null && !Double.isNaN(row.flops())) {
                double gf = row.flops() / (row.ms() * 1e6);
                rate = fmt("%.1f GFLOP/s (%.0f%% of peak)", gf, 100 * gf / NOMINAL_PEAK_GFLOPS);
            }
            List<Double> theirs = peer.getOrDefault(peerKey(row.key()), List.of());
            String theirMs = "";
            String each = "";
            String theirRate = "";
            String ratio = "";
            if (!theirs.isEmpty()) {
                double t = theirs.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
                theirMs = fmt("%.2f", t);
                each = String.join(" / ", theirs.stream().map(v -> fmt("%.1f", v)).toList());
                String who = peerName.get(peerKey(row.key()));
                theirRate = theirRate(row, t);
                theirRate = theirRate.isEmpty() ? who : theirRate + " (" + who + ")";
                ratio = fmt("%.2f", t / row.ms());
            }
            System.out.printf(Locale.ROOT, "| %s | %.2f | %s | %s | %s | %s | %s |%n", row.what(), row.ms(),
                    rate == null ? "" : rate, theirMs, each, theirRate, ratio);
        }
        System.out.println();
        System.out.println(fmt("Peak for %% of peak: %.0f GFLOP/s = 2 cores x 3.56 GHz x 32 FLOP/cycle (two 256-bit FMA"
                + " pipes = 16 fp32 FMA lanes x 2 FLOPs per cycle)%s.", NOMINAL_PEAK_GFLOPS,
                Double.isNaN(peakGflops) ? "" : fmt("; the probe reached %.1f GFLOP/s in this run", peakGflops)));
    }

    /** The OpenCV row a row of ours compares with: its own key, less the decoder for the decoding rows. */
    private static String peerKey(String key) {
        return key.startsWith("decode") ? key.substring(0, key.lastIndexOf('/')) : key;
    }

    private static String theirRate(Row row, double ms) {
        if (row.key().startsWith("forward/") || row.key().startsWith("zoo/")
                || row.key().startsWith("finetune/")) {
            int batch = Integer.parseInt(row.key().substring(row.key().lastIndexOf('/') + 1));
            return fmt("%.1f img/s", batch * 1000 / ms);
        }
        if (!Double.isNaN(row.flops())) {
            return fmt("%.1f GFLOP/s", row.flops() / (ms * 1e6));
        }
        return "";
    }

    private static String fmt(String f, Object... args) {
        return String.format(Locale.ROOT, f, args);
    }
}

package org.cortado.fuzz;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One fuzz target's working state: its folders under {@code target/fuzz/<Target>/}, the options libFuzzer runs it
 * with, and a count of the inputs it has seen, reported when the class ends.
 *
 * <ul>
 *   <li>{@code corpus/}: what libFuzzer keeps (inputs that reached new coverage); it persists from run to run until
 *       {@code mvn clean}, so a long run continues where the last one stopped;</li>
 *   <li>{@code shared-seeds/}: files from {@code ../shared} copied in afresh each run (too large or not ours to keep
 *       in the repository); the small seeds and the findings kept as regression inputs are in the test resources,
 *       {@code <Target>Inputs/<method>/}, which Jazzer runs first in either mode;</li>
 *   <li>{@code findings/}: where libFuzzer writes an input that broke the contract ({@code crash-*}), ran out of
 *       time ({@code timeout-*}) or memory ({@code oom-*}); move it into the inputs folder to keep it as a
 *       regression test. libFuzzer also writes there an input that took longer than {@code -report_slow_units}
 *       ({@code slow-unit-*}): those are counted and named, not findings, since the contract bounds time only by
 *       {@code -timeout} and a loaded machine stretches any input past the slow mark.</li>
 * </ul>
 *
 * <p>Jazzer's JUnit integration takes libFuzzer options and extra corpus folders only as the configuration parameters
 * {@code jazzer.internal.arg.N} (the first one stands for the program name); they are read when the fuzz test starts,
 * so {@link #prepare} sets them as system properties from {@code @BeforeAll}. Each target class runs in a JVM of its
 * own (the pom's {@code reuseForks=false}), so they do not leak from one target to the next.
 */
final class FuzzSetup {
    /** The folder under which every target keeps its own (the pom sets {@code target/fuzz}). */
    static final String WORK_PROPERTY = "cortado.fuzz.work";
    private static final String ARG = "jazzer.internal.arg.";

    private final String name;
    private final Path dir;
    private final Path inputs;
    private final AtomicLong executions = new AtomicLong();
    private final long started = System.nanoTime();
    private Set<Path> earlierFindings = Set.of();

    private FuzzSetup(String name, Path dir) {
        this.name = name;
        this.dir = dir;
        this.inputs = dir.resolve("inputs");
    }

    /** Makes {@code target}'s folders, copies {@code sharedSeeds} in and sets libFuzzer's options. */
    static FuzzSetup prepare(Class<?> target, List<Path> sharedSeeds) throws IOException {
        Path work = Path.of(System.getProperty(WORK_PROPERTY, "target/fuzz")).toAbsolutePath();
        FuzzSetup setup = new FuzzSetup(target.getSimpleName(), work.resolve(target.getSimpleName()));
        Path corpus = Files.createDirectories(setup.dir.resolve("corpus"));
        Path findings = Files.createDirectories(setup.dir.resolve("findings"));
        setup.earlierFindings = files(findings);
        Path seeds = setup.dir.resolve("shared-seeds");
        deleteTree(seeds);
        deleteTree(setup.inputs);
        Files.createDirectories(seeds);
        Files.createDirectories(setup.inputs);
        for (Path p : sharedSeeds) {
            // Parent and file name: reference outputs of different models share file names.
            String flat = p.getParent().getFileName() + "_" + p.getFileName();
            Files.copy(p, seeds.resolve(flat), StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> args = new ArrayList<>();
        args.add("jazzer");
        args.add(corpus.toString());
        if (!sharedSeeds.isEmpty()) {
            args.add(seeds.toString());
        }
        // libFuzzer would otherwise cap inputs at the largest seed (a few hundred bytes here) and then let the cap
        // grow slowly: too small, for minutes, for the nesting depth or the repeated fields of hostile files.
        args.add("-max_len=" + Integer.getInteger("cortado.fuzz.maxLen", 65536));
        args.add("-len_control=0");
        args.add("-rss_limit_mb=" + Integer.getInteger("cortado.fuzz.rssLimitMb", 4096));
        args.add("-timeout=" + Integer.getInteger("cortado.fuzz.timeoutSeconds", 60));
        args.add("-artifact_prefix=" + findings + File.separator);
        args.add("-print_final_stats=1");
        for (int i = 0; i < args.size(); i++) {
            System.setProperty(ARG + i, args.get(i));
        }
        System.out.printf("fuzz %s: %d seed files from the shared folder; corpus %s; findings go to %s%n",
                setup.name, sharedSeeds.size(), corpus, findings);
        return setup;
    }

    /** Writes {@code data} to a fresh file ending in {@code suffix} for one reader call; {@link #done} removes it. */
    Path write(byte[] data, String suffix) {
        long n = executions.incrementAndGet();
        Path file = inputs.resolve("input-" + n + suffix);
        try {
            return Files.write(file, data);
        } catch (IOException e) {
            throw new UncheckedIOException("fuzz harness: cannot write " + file, e);
        }
    }

    /** Counts an input that needed no file. */
    void count() {
        executions.incrementAndGet();
    }

    /** Removes an input file (a memory-mapped reader's mapping outlives the name, as on any POSIX system). */
    void done(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("fuzz harness: cannot remove " + file, e);
        }
    }

    /**
     * Prints one line for the log (inputs run, time, corpus, findings) and fails when this run wrote findings: with
     * {@code jazzer.keep_going} above 1 Jazzer goes on past a finding without failing the test, so this is where
     * such a run fails.
     */
    void report() throws IOException {
        double seconds = (System.nanoTime() - started) / 1e9;
        long n = executions.get();
        Path findings = dir.resolve("findings");
        List<Path> newFiles = files(findings).stream().filter(p -> !earlierFindings.contains(p)).sorted().toList();
        List<Path> slow = newFiles.stream().filter(FuzzSetup::isSlowUnit).toList();
        List<Path> fresh = newFiles.stream().filter(p -> !isSlowUnit(p)).toList();
        System.out.printf(Locale.ROOT,
                "fuzz %s: %d inputs in %.0f s (%.0f/s); corpus %d files; %d new findings in %s%n", name, n,
                seconds, n / Math.max(seconds, 1e-9), files(dir.resolve("corpus")).size(), fresh.size(), findings);
        if (!slow.isEmpty()) {
            System.out.printf(Locale.ROOT, "fuzz %s: %d slow units (not findings), in %s: %s%n", name, slow.size(),
                    findings, slow.stream().map(p -> p.getFileName().toString()).toList());
        }
        deleteTree(inputs);
        if (!fresh.isEmpty()) {
            throw new AssertionError(name + ": " + fresh.size() + " findings in this run, their inputs in " + findings
                    + ": " + fresh.stream().map(p -> p.getFileName().toString()).toList());
        }
    }

    /** An input libFuzzer kept for its time alone ({@code -report_slow_units}), below the timeout. */
    static boolean isSlowUnit(Path p) {
        return p.getFileName().toString().startsWith("slow-unit-");
    }

    private static Set<Path> files(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return Set.of();
        }
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(Files::isRegularFile).collect(Collectors.toSet());
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}

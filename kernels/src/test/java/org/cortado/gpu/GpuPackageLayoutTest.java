package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The layering of {@code org.cortado.gpu}, read from the compiled classes by the JDK's jdeps: the backend hands its
 * operations to op classes, which work on {@link GpuDevice}; nothing below the backend points back at it, and no two
 * classes point at each other through any chain (a cycle makes the classes in it one unit to read and change).
 */
class GpuPackageLayoutTest {
    private static final Pattern EDGE =
            Pattern.compile("^\\s+org\\.cortado\\.gpu\\.([\\w$]+)\\s+->\\s+org\\.cortado\\.gpu\\.([\\w$]+)\\b");

    @Test
    void theGpuClassesDependOnEachOtherWithoutCycles() throws Exception {
        Map<String, Set<String>> graph = dependencies();
        assertTrue(graph.getOrDefault("GpuBackend", Set.of()).contains("GpuConvolution"),
                "jdeps output not understood: " + graph);
        assertEquals(List.of(), cycles(graph), "classes of org.cortado.gpu that depend on each other");
    }

    @Test
    void onlyTheClassesThatOpenTheBackendUseIt() throws Exception {
        Set<String> users = new TreeSet<>();
        dependencies().forEach((from, to) -> {
            if (to.contains("GpuBackend")) {
                users.add(from);
            }
        });
        assertEquals(Set.of("DeviceReport", "GpuBackendProvider"), users);
    }

    /** Class-level dependencies inside the package, nested classes folded into their top-level class. */
    private static Map<String, Set<String>> dependencies() throws Exception {
        Optional<ToolProvider> jdeps = ToolProvider.findFirst("jdeps");
        Assumptions.assumeTrue(jdeps.isPresent(), "this JDK has no jdeps");
        Path classes = Path.of(GpuBackend.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = jdeps.get().run(new PrintWriter(out), new PrintWriter(err), "-verbose:class", "-filter:none",
                classes.toString());
        assertEquals(0, status, err.toString());
        Map<String, Set<String>> graph = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            Matcher m = EDGE.matcher(line);
            if (m.find()) {
                String from = topLevel(m.group(1));
                String to = topLevel(m.group(2));
                if (!from.equals(to)) {
                    graph.computeIfAbsent(from, k -> new TreeSet<>()).add(to);
                }
            }
        }
        return graph;
    }

    private static String topLevel(String name) {
        int dollar = name.indexOf('$');
        return dollar < 0 ? name : name.substring(0, dollar);
    }

    /** The strongly connected components of more than one class (Tarjan's algorithm), each sorted. */
    private static List<Set<String>> cycles(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        List<String> stack = new ArrayList<>();
        List<Set<String>> found = new ArrayList<>();
        for (String v : graph.keySet()) {
            if (!index.containsKey(v)) {
                connect(v, graph, index, low, stack, found);
            }
        }
        return found;
    }

    private static void connect(String v, Map<String, Set<String>> graph, Map<String, Integer> index,
                                Map<String, Integer> low, List<String> stack, List<Set<String>> found) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.add(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, graph, index, low, stack, found);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (stack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.remove(stack.size() - 1);
                component.add(w);
            } while (!w.equals(v));
            if (component.size() > 1) {
                found.add(component);
            }
        }
    }
}

package org.cortado.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cortado.net.MemoryReport;
import org.cortado.tensor.HostMemory;

/** The memory lines of {@code forward --verbose}: what the inference plan holds, and what the process reached. */
final class PeakMemory {
    private PeakMemory() {
    }

    static void print(PrintWriter err, MemoryReport r) {
        err.printf("memory plan: activations %s in %d shared buffers, inputs and kept outputs (%s layer by layer);"
                        + " weights %s; %d layers folded, %d ReLUs fused, %d concats in place, %d layers in place%n",
                HostMemory.size(r.plannedBytes()), r.buffers(), HostMemory.size(r.layerByLayerBytes()),
                HostMemory.size(r.weightBytes()), r.folded().size(), r.fused().size(), r.concatsInPlace().size(),
                r.inPlace().size());
        long heap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                heap += pool.getPeakUsage().getUsed();
            }
        }
        long rss = peakResidentBytes();
        err.printf("memory peak: %sheap %s (the heap pools' peaks, summed)%n",
                rss < 0 ? "" : "process " + HostMemory.size(rss) + " resident (VmHWM), ", HostMemory.size(heap));
        err.flush();
    }

    /** The process's peak resident set from /proc/self/status (Linux), or -1 where that is not there. */
    private static long peakResidentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Not Linux, or not readable: the heap's figure stands alone.
        }
        return -1;
    }
}

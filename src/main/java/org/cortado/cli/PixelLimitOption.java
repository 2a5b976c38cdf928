package org.cortado.cli;

import org.cortado.image.PixelLimit;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --max-pixels}: the pixel limit ({@link PixelLimit}) of the images a command decodes and resizes. The limit
 * is the library's system property, set for the command's run and restored afterwards (tests run many command lines
 * in one JVM).
 */
public final class PixelLimitOption {
    @Option(names = "--max-pixels", paramLabel = "N", converter = Converter.class,
            description = "Refuse (skip, with the reason) images larger than N pixels, from the size in their header"
                    + " before decoding, and resizes that would give more: a count, or megapixels as 250M. Default: "
                    + "100M (-D" + PixelLimit.PROPERTY + " sets it for every command).")
    Long maxPixels;

    /** Puts the option's limit in force until the returned scope is closed; without the option, changes nothing. */
    Scope apply() {
        String before = System.getProperty(PixelLimit.PROPERTY);
        if (maxPixels != null) {
            System.setProperty(PixelLimit.PROPERTY, Long.toString(maxPixels));
        }
        Scope scope = () -> {
            if (before == null) {
                System.clearProperty(PixelLimit.PROPERTY);
            } else {
                System.setProperty(PixelLimit.PROPERTY, before);
            }
        };
        try {
            // A malformed -D setting fails the command here, in one line, rather than every image later.
            PixelLimit.current();
        } catch (IllegalArgumentException e) {
            scope.close();
            throw e;
        }
        return scope;
    }

    /** Runs {@code command} with the option's limit in force, and puts the previous one back afterwards. */
    <T, E extends Exception> T run(Work<T, E> command) throws E {
        try (Scope limit = apply()) {
            return command.run();
        }
    }

    /** A command's work, run under the limit. */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        T run() throws E;
    }

    /** The limit set for one command. */
    interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Parses N or NM, so that a bad value is a usage error naming the option. */
    static final class Converter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return PixelLimit.parse(value, "--max-pixels");
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}

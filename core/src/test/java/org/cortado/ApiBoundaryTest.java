package org.cortado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.cortado.net.Net;
import org.junit.jupiter.api.Test;

/**
 * The public API (docs/architecture.md, "The public API"): no public or protected signature of a class in an API
 * package names a type of Jackson, of protobuf or Caffe's generated messages, so that those libraries can change or
 * go without breaking a caller. Read from the compiled classes by reflection: every public class (nested ones too),
 * its supertypes, fields, record components, constructors and methods with their generic types and exceptions.
 */
public class ApiBoundaryTest {   // public: its nested Leaky is checked as API
    /** The packages of core that research code calls; the others ({@code caffe}, {@code layers}, ...) are internal. */
    static final List<String> API_PACKAGES = List.of("advise", "backend", "backend.cpu", "data", "features",
            "finetune", "heads", "image", "io", "net", "solver", "tensor", "transfer", "weights");

    private static final List<String> FORBIDDEN = List.of("com.fasterxml.", "com.google.protobuf.",
            "org.cortado.caffe.proto.");

    @Test
    void apiSignaturesNameNeitherJacksonNorProtobuf() throws Exception {
        List<Class<?>> classes = apiClasses();
        assertTrue(classes.size() > 100, "API classes not found: " + classes.size());
        Set<String> found = new TreeSet<>();
        for (Class<?> c : classes) {
            found.addAll(violations(c));
        }
        assertEquals("", String.join("\n", found), "public signatures of API packages that name internal libraries");
    }

    @Test
    void theCheckSeesAForbiddenType() {
        assertEquals(Set.of(Leaky.class.getName() + ".leak(): com.fasterxml.jackson.databind.JsonNode"),
                Set.copyOf(violations(Leaky.class)));
    }

    /** A class the check must catch. */
    public static final class Leaky {
        public com.fasterxml.jackson.databind.JsonNode leak() {
            return null;
        }

        com.fasterxml.jackson.databind.JsonNode notPublic() {
            return null;
        }
    }

    static List<Class<?>> apiClasses() throws IOException, ClassNotFoundException {
        Path root;
        try {
            root = Path.of(Net.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        List<Class<?>> out = new ArrayList<>();
        for (String pkg : API_PACKAGES) {
            Path dir = root.resolve("org/cortado/" + pkg.replace('.', '/'));
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.sorted().toList()) {
                    String name = f.getFileName().toString();
                    if (name.endsWith(".class")) {
                        String binary = "org.cortado." + pkg + "." + name.substring(0, name.length() - 6);
                        out.add(Class.forName(binary, false, ApiBoundaryTest.class.getClassLoader()));
                    }
                }
            }
        }
        return out;
    }

    /** Each forbidden type that {@code c}'s public surface names, as {@code Class.member: type}. */
    static List<String> violations(Class<?> c) {
        List<String> out = new ArrayList<>();
        if (!visible(c)) {
            return out;
        }
        String at = c.getName();
        check(out, at + " extends", c.getGenericSuperclass());
        for (Type t : c.getGenericInterfaces()) {
            check(out, at + " implements", t);
        }
        for (Field f : c.getDeclaredFields()) {
            if (visible(f.getModifiers()) && !f.isSynthetic()) {
                check(out, at + "." + f.getName(), f.getGenericType());
            }
        }
        if (c.isRecord()) {
            for (RecordComponent r : c.getRecordComponents()) {
                check(out, at + "." + r.getName(), r.getGenericType());
            }
        }
        for (Constructor<?> k : c.getDeclaredConstructors()) {
            executable(out, at + ".<init>", k);
        }
        for (Method m : c.getDeclaredMethods()) {
            if (!m.isSynthetic() && !m.isBridge()) {
                executable(out, at + "." + m.getName() + "()", m);
                if (visible(m.getModifiers())) {
                    check(out, at + "." + m.getName() + "()", m.getGenericReturnType());
                }
            }
        }
        return out;
    }

    private static void executable(List<String> out, String at, Executable e) {
        if (!visible(e.getModifiers()) || e.isSynthetic()) {
            return;
        }
        for (Type t : e.getGenericParameterTypes()) {
            check(out, at, t);
        }
        for (Type t : e.getGenericExceptionTypes()) {
            check(out, at, t);
        }
        for (TypeVariable<?> v : e.getTypeParameters()) {
            for (Type b : v.getBounds()) {
                check(out, at, b);
            }
        }
    }

    /** A class reachable from outside its package: public, and its enclosing classes public too. */
    private static boolean visible(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            if (!Modifier.isPublic(k.getModifiers()) || k.isAnonymousClass() || k.isLocalClass()) {
                return false;
            }
        }
        return true;
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void check(List<String> out, String at, Type type) {
        Set<String> names = new HashSet<>();
        collect(type, names, new HashSet<>());
        for (String n : names) {
            for (String f : FORBIDDEN) {
                if (n.startsWith(f)) {
                    out.add(at + ": " + n);
                }
            }
        }
    }

    private static void collect(Type t, Set<String> names, Set<Type> seen) {
        if (t == null || !seen.add(t)) {
            return;
        }
        if (t instanceof Class<?> c) {
            while (c.isArray()) {
                c = c.getComponentType();
            }
            names.add(c.getName());
        } else if (t instanceof ParameterizedType p) {
            collect(p.getRawType(), names, seen);
            collect(p.getOwnerType(), names, seen);
            for (Type a : p.getActualTypeArguments()) {
                collect(a, names, seen);
            }
        } else if (t instanceof GenericArrayType g) {
            collect(g.getGenericComponentType(), names, seen);
        } else if (t instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) {
                collect(b, names, seen);
            }
            for (Type b : w.getLowerBounds()) {
                collect(b, names, seen);
            }
        } else if (t instanceof TypeVariable<?> v) {
            for (Type b : v.getBounds()) {
                collect(b, names, seen);
            }
        }
    }
}

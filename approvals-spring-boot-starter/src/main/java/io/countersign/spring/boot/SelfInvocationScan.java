package io.countersign.spring.boot;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.asm.ClassReader;
import org.springframework.asm.ClassVisitor;
import org.springframework.asm.Handle;
import org.springframework.asm.Label;
import org.springframework.asm.MethodVisitor;
import org.springframework.asm.Opcodes;
import org.springframework.asm.SpringAsmInfo;
import org.springframework.asm.Type;

/**
 * Finds, in the bytecode of a bean class and of its nested classes, the calls of its own guarded
 * methods on {@code this}: direct calls, calls from lambdas and inner classes, and method references
 * ({@code this::refund}, or an unbound {@code Refunds::refund} handle) that Spring AOP can never
 * intercept. Calls whose receiver is something else, such as an injected {@code @Lazy} self
 * reference (the bean's own proxy), are not reported.
 *
 * <p>Uses Spring's repackaged ASM and a small abstract interpretation of each method: every operand
 * stack slot knows only whether it may hold {@code this}. Where the analysis is unsure (a merge of
 * paths, a local variable that ever held {@code this}) it assumes {@code this}, so an uncertain
 * call is reported rather than missed.
 */
final class SelfInvocationScan {

  private static final Logger LOG = LoggerFactory.getLogger(SelfInvocationScan.class);

  private SelfInvocationScan() {}

  /** Calls of {@code guarded} (name + descriptor) on {@code this}, as "Type#caller calls the guarded method Type#callee". */
  static List<String> find(Class<?> type, Set<String> guarded) {
    Set<String> found = new LinkedHashSet<>();
    String owner = Type.getInternalName(type);
    List<Class<?>> classes = new ArrayList<>();
    classes.add(type);
    for (Class<?> member : type.getNestHost().getNestMembers()) {
      if (member != type && enclosedBy(member, type)) {
        classes.add(member);
      }
    }
    for (Class<?> scanned : classes) {
      byte[] bytes = classFile(scanned);
      if (bytes != null) {
        new ClassReader(bytes).accept(new Scanner(type, owner, scanned != type, guarded, found),
            ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
      }
    }
    return List.copyOf(found);
  }

  private static boolean enclosedBy(Class<?> member, Class<?> type) {
    for (Class<?> c = member.getEnclosingClass(); c != null; c = c.getEnclosingClass()) {
      if (c == type) {
        return true;
      }
    }
    return false;
  }

  private static byte[] classFile(Class<?> type) {
    ClassLoader loader = type.getClassLoader() != null ? type.getClassLoader() : ClassLoader.getSystemClassLoader();
    try (InputStream in = loader.getResourceAsStream(Type.getInternalName(type) + ".class")) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      LOG.debug("Could not read the class file of {} to look for self-invocations", type.getName(), e);
      return null;
    }
  }

  private static final class Scanner extends ClassVisitor {
    private final Class<?> type;
    private final String owner;
    private final boolean nested;
    private final Set<String> guarded;
    private final Set<String> found;

    Scanner(Class<?> type, String owner, boolean nested, Set<String> guarded, Set<String> found) {
      super(SpringAsmInfo.ASM_VERSION);
      this.type = type;
      this.owner = owner;
      this.nested = nested;
      this.guarded = guarded;
      this.found = found;
    }

    @Override
    public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
      String caller = nested ? "code in a nested class of " + type.getSimpleName()
          : name.startsWith("lambda$") ? "a lambda in " + type.getSimpleName() : name;
      boolean instance = (access & Opcodes.ACC_STATIC) == 0;
      return new Interpreter(instance && !nested, descriptor) {
        @Override
        void report(String callee) {
          found.add(type.getName() + "#" + caller + " calls the guarded method " + type.getName() + "#" + callee);
        }

        @Override
        boolean isGuarded(String calledOwner, String calledName, String calledDescriptor) {
          return owner.equals(calledOwner) && guarded.contains(calledName + calledDescriptor);
        }

        @Override
        boolean isOuterThis(String fieldOwner, String fieldName, String fieldDescriptor) {
          return nested && fieldName.startsWith("this$") && fieldDescriptor.equals("L" + owner + ";");
        }
      };
    }
  }

  /**
   * Tracks, per operand stack slot, whether it may hold {@code this}, through one method's
   * instructions in order; reports guarded calls whose receiver may be {@code this}.
   */
  private abstract static class Interpreter extends MethodVisitor {
    /** The operand stack, one entry per slot (long and double take two); true = may be {@code this}. */
    private List<Boolean> stack = new ArrayList<>();
    /** Locals that ever held {@code this} (never cleared: on the safe side). */
    private final BitSet thisLocals = new BitSet();
    /** Stacks recorded at jump targets, to resume from after an unconditional jump. */
    private final Map<Label, List<Boolean>> atLabel = new HashMap<>();
    private final Set<Label> handlers = new LinkedHashSet<>();
    private boolean reachable = true;

    Interpreter(boolean hasThis, String descriptor) {
      super(SpringAsmInfo.ASM_VERSION);
      if (hasThis) {
        thisLocals.set(0);
      }
    }

    abstract void report(String callee);

    abstract boolean isGuarded(String owner, String name, String descriptor);

    abstract boolean isOuterThis(String owner, String name, String descriptor);

    // ------------------------------------------------------------ stack helpers

    private void push(int slots) {
      for (int i = 0; i < slots; i++) {
        stack.add(false);
      }
    }

    private void pop(int slots) {
      for (int i = 0; i < slots && !stack.isEmpty(); i++) {
        stack.remove(stack.size() - 1);
      }
    }

    /** Whether the slot {@code depth} below the top may hold {@code this}; unknown (underflow) counts as yes. */
    private boolean mayBeThis(int depth) {
      int index = stack.size() - 1 - depth;
      return index < 0 || stack.get(index);
    }

    private void effect(int pops, int pushes) {
      pop(pops);
      push(pushes);
    }

    private void jumpTo(Label target) {
      List<Boolean> saved = atLabel.get(target);
      atLabel.put(target, saved == null ? new ArrayList<>(stack) : merge(saved, stack));
    }

    private static List<Boolean> merge(List<Boolean> a, List<Boolean> b) {
      if (a.size() != b.size()) {
        List<Boolean> longer = new ArrayList<>(a.size() >= b.size() ? a : b);
        longer.replaceAll(x -> true); // inconsistent paths: assume the worst
        return longer;
      }
      List<Boolean> merged = new ArrayList<>(a.size());
      for (int i = 0; i < a.size(); i++) {
        merged.add(a.get(i) || b.get(i));
      }
      return merged;
    }

    private void unconditional() {
      reachable = false;
    }

    // ------------------------------------------------------------ instructions

    @Override
    public void visitTryCatchBlock(Label start, Label end, Label handler, String exceptionType) {
      handlers.add(handler);
    }

    @Override
    public void visitLabel(Label label) {
      List<Boolean> saved = atLabel.get(label);
      if (handlers.contains(label)) {
        saved = saved == null ? new ArrayList<>(List.of(false)) : saved;
      }
      if (!reachable) {
        stack = saved == null ? new ArrayList<>() : new ArrayList<>(saved);
      } else if (saved != null) {
        stack = merge(stack, saved);
      }
      reachable = true;
    }

    @Override
    public void visitInsn(int opcode) {
      switch (opcode) {
        case Opcodes.NOP -> { }
        case Opcodes.ACONST_NULL, Opcodes.ICONST_M1, Opcodes.ICONST_0, Opcodes.ICONST_1, Opcodes.ICONST_2,
             Opcodes.ICONST_3, Opcodes.ICONST_4, Opcodes.ICONST_5, Opcodes.FCONST_0, Opcodes.FCONST_1,
             Opcodes.FCONST_2 -> push(1);
        case Opcodes.LCONST_0, Opcodes.LCONST_1, Opcodes.DCONST_0, Opcodes.DCONST_1 -> push(2);
        case Opcodes.LALOAD, Opcodes.DALOAD -> effect(2, 2);
        case Opcodes.IALOAD, Opcodes.FALOAD, Opcodes.AALOAD, Opcodes.BALOAD, Opcodes.CALOAD, Opcodes.SALOAD -> effect(2, 1);
        case Opcodes.LASTORE, Opcodes.DASTORE -> pop(4);
        case Opcodes.IASTORE, Opcodes.FASTORE, Opcodes.AASTORE, Opcodes.BASTORE, Opcodes.CASTORE, Opcodes.SASTORE -> pop(3);
        case Opcodes.POP, Opcodes.MONITORENTER, Opcodes.MONITOREXIT -> pop(1);
        case Opcodes.POP2 -> pop(2);
        case Opcodes.DUP -> dup(1, 0);
        case Opcodes.DUP_X1 -> dup(1, 1);
        case Opcodes.DUP_X2 -> dup(1, 2);
        case Opcodes.DUP2 -> dup(2, 0);
        case Opcodes.DUP2_X1 -> dup(2, 1);
        case Opcodes.DUP2_X2 -> dup(2, 2);
        case Opcodes.SWAP -> {
          if (stack.size() >= 2) {
            Boolean top = stack.remove(stack.size() - 1);
            stack.add(stack.size() - 1, top);
          }
        }
        case Opcodes.IADD, Opcodes.FADD, Opcodes.ISUB, Opcodes.FSUB, Opcodes.IMUL, Opcodes.FMUL, Opcodes.IDIV,
             Opcodes.FDIV, Opcodes.IREM, Opcodes.FREM, Opcodes.ISHL, Opcodes.ISHR, Opcodes.IUSHR, Opcodes.IAND,
             Opcodes.IOR, Opcodes.IXOR, Opcodes.FCMPL, Opcodes.FCMPG -> effect(2, 1);
        case Opcodes.LADD, Opcodes.DADD, Opcodes.LSUB, Opcodes.DSUB, Opcodes.LMUL, Opcodes.DMUL, Opcodes.LDIV,
             Opcodes.DDIV, Opcodes.LREM, Opcodes.DREM, Opcodes.LAND, Opcodes.LOR, Opcodes.LXOR -> effect(4, 2);
        case Opcodes.LSHL, Opcodes.LSHR, Opcodes.LUSHR -> effect(3, 2);
        case Opcodes.INEG, Opcodes.FNEG, Opcodes.I2F, Opcodes.F2I, Opcodes.I2B, Opcodes.I2C, Opcodes.I2S,
             Opcodes.ARRAYLENGTH -> effect(1, 1);
        case Opcodes.LNEG, Opcodes.DNEG, Opcodes.L2D, Opcodes.D2L -> effect(2, 2);
        case Opcodes.I2L, Opcodes.I2D, Opcodes.F2L, Opcodes.F2D -> effect(1, 2);
        case Opcodes.L2I, Opcodes.L2F, Opcodes.D2I, Opcodes.D2F -> effect(2, 1);
        case Opcodes.LCMP, Opcodes.DCMPL, Opcodes.DCMPG -> effect(4, 1);
        case Opcodes.IRETURN, Opcodes.LRETURN, Opcodes.FRETURN, Opcodes.DRETURN, Opcodes.ARETURN, Opcodes.RETURN,
             Opcodes.ATHROW -> unconditional();
        default -> stack.replaceAll(x -> true); // not expected: assume the worst
      }
    }

    /** DUP family: copies the top {@code count} slots below the {@code under} slots beneath them. */
    private void dup(int count, int under) {
      if (stack.size() < count + under) {
        push(count);
        return;
      }
      List<Boolean> top = new ArrayList<>(stack.subList(stack.size() - count, stack.size()));
      stack.addAll(stack.size() - count - under, top);
    }

    @Override
    public void visitIntInsn(int opcode, int operand) {
      if (opcode == Opcodes.NEWARRAY) {
        effect(1, 1);
      } else {
        push(1);
      }
    }

    @Override
    public void visitVarInsn(int opcode, int var) {
      switch (opcode) {
        case Opcodes.ILOAD, Opcodes.FLOAD -> push(1);
        case Opcodes.LLOAD, Opcodes.DLOAD -> push(2);
        case Opcodes.ALOAD -> stack.add(thisLocals.get(var));
        case Opcodes.ISTORE, Opcodes.FSTORE -> pop(1);
        case Opcodes.LSTORE, Opcodes.DSTORE -> pop(2);
        case Opcodes.ASTORE -> {
          if (mayBeThis(0)) {
            thisLocals.set(var);
          }
          pop(1);
        }
        default -> unconditional(); // RET
      }
    }

    @Override
    public void visitTypeInsn(int opcode, String type) {
      switch (opcode) {
        case Opcodes.NEW -> push(1);
        case Opcodes.CHECKCAST -> { }
        default -> effect(1, 1); // ANEWARRAY, INSTANCEOF
      }
    }

    @Override
    public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
      int size = Type.getType(descriptor).getSize();
      switch (opcode) {
        case Opcodes.GETSTATIC -> push(size);
        case Opcodes.PUTSTATIC -> pop(size);
        case Opcodes.GETFIELD -> {
          pop(1);
          if (isOuterThis(owner, name, descriptor)) {
            stack.add(true);
          } else {
            push(size);
          }
        }
        default -> pop(size + 1); // PUTFIELD
      }
    }

    @Override
    public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
      int argSlots = (Type.getArgumentsAndReturnSizes(descriptor) >> 2) - 1;
      if (opcode != Opcodes.INVOKESTATIC && opcode != Opcodes.INVOKESPECIAL && isGuarded(owner, name, descriptor)
          && mayBeThis(argSlots)) {
        report(name);
      }
      pop(argSlots + (opcode == Opcodes.INVOKESTATIC ? 0 : 1));
      push(Type.getReturnType(descriptor).getSize());
    }

    @Override
    public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrap, Object... arguments) {
      Type[] captured = Type.getArgumentTypes(descriptor);
      int argSlots = (Type.getArgumentsAndReturnSizes(descriptor) >> 2) - 1;
      for (Object argument : arguments) {
        if (argument instanceof Handle h && h.getTag() != Opcodes.H_INVOKESTATIC
            && isGuarded(h.getOwner(), h.getName(), h.getDesc())) {
          // a bound reference captures its receiver as the first argument; an unbound one takes any receiver
          boolean bound = captured.length > 0 && captured[0].getSort() == Type.OBJECT;
          if (!bound || mayBeThis(argSlots - 1)) {
            report(h.getName() + " (as a method reference)");
          }
        }
      }
      pop(argSlots);
      push(Type.getReturnType(descriptor).getSize());
    }

    @Override
    public void visitJumpInsn(int opcode, Label label) {
      switch (opcode) {
        case Opcodes.GOTO -> {
          jumpTo(label);
          unconditional();
        }
        case Opcodes.JSR -> {
          push(1);
          jumpTo(label);
          pop(1);
        }
        case Opcodes.IF_ICMPEQ, Opcodes.IF_ICMPNE, Opcodes.IF_ICMPLT, Opcodes.IF_ICMPGE, Opcodes.IF_ICMPGT,
             Opcodes.IF_ICMPLE, Opcodes.IF_ACMPEQ, Opcodes.IF_ACMPNE -> {
          pop(2);
          jumpTo(label);
        }
        default -> {
          pop(1); // IFEQ..IFLE, IFNULL, IFNONNULL
          jumpTo(label);
        }
      }
    }

    @Override
    public void visitLdcInsn(Object value) {
      if (value instanceof Handle h && h.getTag() != Opcodes.H_INVOKESTATIC && isGuarded(h.getOwner(), h.getName(), h.getDesc())) {
        report(h.getName() + " (as a method handle)");
      }
      push(value instanceof Long || value instanceof Double ? 2 : 1);
    }

    @Override
    public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
      switchTo(dflt, labels);
    }

    @Override
    public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
      switchTo(dflt, labels);
    }

    private void switchTo(Label dflt, Label[] labels) {
      pop(1);
      jumpTo(dflt);
      for (Label l : labels) {
        jumpTo(l);
      }
      unconditional();
    }

    @Override
    public void visitMultiANewArrayInsn(String descriptor, int dimensions) {
      effect(dimensions, 1);
    }
  }
}

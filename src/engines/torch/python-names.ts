/**
 * IR ids → Python identifiers for the generated module. IR ids allow `/ . : -`
 * and may start with a digit; Python needs identifiers, and a submodule named
 * like an nn.Module attribute (`train`, `forward`, `to`...) would break the
 * module, so such names get a trailing underscore. Distinct ids that sanitise
 * to the same name get `_2`, `_3`... in graph order, so names are deterministic.
 */

const PYTHON_KEYWORDS = [
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
  'match',
  'case',
  'type',
];

/**
 * Public attributes of torch.nn.Module in PyTorch 1.13 to 2.x (names starting
 * with `_` cannot occur: every generated name starts with a letter).
 */
const MODULE_ATTRIBUTES = [
  'T_destination',
  'add_module',
  'apply',
  'bfloat16',
  'buffers',
  'call_super_init',
  'children',
  'compile',
  'cpu',
  'cuda',
  'double',
  'dump_patches',
  'eval',
  'extra_repr',
  'float',
  'forward',
  'get_buffer',
  'get_extra_state',
  'get_parameter',
  'get_submodule',
  'half',
  'ipu',
  'load_state_dict',
  'modules',
  'mtia',
  'named_buffers',
  'named_children',
  'named_modules',
  'named_parameters',
  'parameters',
  'register_backward_hook',
  'register_buffer',
  'register_forward_hook',
  'register_forward_pre_hook',
  'register_full_backward_hook',
  'register_full_backward_pre_hook',
  'register_load_state_dict_post_hook',
  'register_load_state_dict_pre_hook',
  'register_module',
  'register_parameter',
  'register_state_dict_post_hook',
  'register_state_dict_pre_hook',
  'requires_grad_',
  'set_extra_state',
  'set_submodule',
  'share_memory',
  'smart_apply',
  'state_dict',
  'to',
  'to_empty',
  'train',
  'training',
  'type',
  'xpu',
  'zero_grad',
];

/** Names the generated code itself uses: imports, the class and its attributes, forward's argument, builtins it could shadow. */
const GENERATED_NAMES = [
  'torch',
  'nn',
  'F',
  'Network',
  'x',
  'self',
  'super',
  'input',
  'input_layout',
  'INPUT_SHAPE',
  'OUTPUT_SHAPE',
  'PARAMETERS',
  'ValueError',
  'print',
  'sum',
  'max',
  'min',
  'len',
  'range',
  'list',
  'tuple',
  'dict',
  'object',
  'id',
  'isinstance',
];

const RESERVED = new Set([...PYTHON_KEYWORDS, ...MODULE_ATTRIBUTES, ...GENERATED_NAMES]);

/** A Python identifier for one IR id, before collision handling. */
export function pythonIdentifier(id: string): string {
  let name = id
    .replace(/[^A-Za-z0-9_]/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (name === '') name = 'node';
  if (!/^[A-Za-z]/.test(name)) name = `n${name}`;
  return RESERVED.has(name) ? `${name}_` : name;
}

/** Hands out a unique identifier per IR id, in the order asked. */
export class PythonNames {
  private readonly byId = new Map<string, string>();
  private readonly used = new Set<string>(RESERVED);

  nameOf(id: string): string {
    const known = this.byId.get(id);
    if (known !== undefined) return known;
    const base = pythonIdentifier(id);
    let name = base;
    for (let i = 2; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    this.byId.set(id, name);
    return name;
  }
}

/**
 * Text safe inside a Python comment or docstring: printable ASCII without
 * quotes or backslashes, so no IR string can end a docstring or inject code.
 */
export function commentText(text: string, max = 120): string {
  const safe = text.replace(/[^ -~]|["'\\]/g, '?');
  return safe.length > max ? `${safe.slice(0, max - 3)}...` : safe;
}

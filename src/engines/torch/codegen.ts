/**
 * Network IR → a standalone, readable PyTorch module (only `torch` imported).
 * The torch engine trains exactly this source, and export hands the same text
 * to users, so one code path is exercised by every search.
 *
 * Layout: the module computes in NCHW, PyTorch's layout; `Network()` takes NCHW
 * input, `Network(input_layout="NHWC")` takes the IR's channels-last images
 * (and returns image outputs channels-last). On CUDA the trainer also puts the
 * module in channels_last memory format; NHWC data permuted to NCHW already is.
 *
 * Semantics kept from the IR:
 * - every node with parameters is a submodule named after its id; a node with
 *   `shareWeightsWith` calls its owner's submodule, so parameters count once;
 * - nodes that do not reach the output keep their submodules (the IR counts
 *   their parameters) but forward does not compute them: their value cannot
 *   change the output, and an unused parameter gets no gradient either way;
 * - the output is the IR output as is (logits for a classifier).
 */
import { type CheckedIr, INPUT_ID, type NetworkIr, networkCost } from '../../search-space/index.js';
import { DPP_MODULE_SOURCE, checkShareable, opCode } from './codegen-ops.js';
import { PythonNames, commentText } from './python-names.js';

export interface GeneratedModule {
  /** The Python source. */
  readonly source: string;
  /** Name of the nn.Module class in it. */
  readonly className: string;
  /** Trainable parameters of the module: `networkCost(checked).params`. */
  readonly params: number;
  /** IR node id → Python name of its value and, for nodes with parameters, of its submodule. */
  readonly names: ReadonlyMap<string, string>;
  /** Nodes that do not reach the output (built, not computed). */
  readonly unusedNodes: readonly string[];
}

export const GENERATED_CLASS_NAME = 'Network';

/** Ids of the nodes the output depends on. */
export function liveNodes(ir: NetworkIr): Set<string> {
  const byId = new Map(ir.nodes.map((n) => [n.id, n]));
  const live = new Set<string>();
  const stack = [ir.output];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (live.has(id) || id === INPUT_ID) continue;
    live.add(id);
    stack.push(...byId.get(id)!.inputs);
  }
  return live;
}

const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;
const pyTuple = (shape: readonly number[]): string => (shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`);
const grouped = (n: number): string => n.toLocaleString('en-US');

/**
 * Generates the PyTorch module of a checked IR.
 *
 * @example
 * const { source } = generateTorchModule(assembleNetwork(PAPER_BLOCKS.resnet, DEFAULT_NETWORK_OPTIONS));
 * writeFileSync('resnet_block_net.py', source); // python: from resnet_block_net import Network
 */
export function generateTorchModule(checked: CheckedIr): GeneratedModule {
  const { ir, shapes } = checked;
  const names = new PythonNames();
  const nameOf = (id: string): string => (id === INPUT_ID ? 'x' : names.nameOf(id));
  const byId = new Map(ir.nodes.map((n) => [n.id, n]));
  const live = liveNodes(ir);
  const unusedNodes = ir.nodes.filter((n) => !live.has(n.id)).map((n) => n.id);
  const params = networkCost(checked).params;
  const outputShape = shapes.get(ir.output)!;
  const [h, w, c] = ir.input.shape;

  const init: string[] = [];
  const forward: string[] = [];
  for (const node of ir.nodes) {
    const name = nameOf(node.id);
    const inputShapes = node.inputs.map((id) => shapes.get(id)!);
    const code = opCode(node, inputShapes);
    const idNote = name === node.id ? '' : `"${commentText(node.id)}" `;
    let moduleRef = `self.${name}`;
    if (node.shareWeightsWith !== undefined) {
      const owner = byId.get(node.shareWeightsWith)!;
      checkShareable(node, shapes.get(owner.inputs[0]!)!, inputShapes[0]!);
      moduleRef = `self.${nameOf(owner.id)}`;
    } else if (code.module !== undefined) {
      const note = live.has(node.id) ? '' : ' (does not reach the output: built so its parameters exist, not computed)';
      init.push(`self.${name} = ${code.module}  # ${idNote}${node.op}${note}`);
    }
    if (!live.has(node.id)) continue;
    const shared = node.shareWeightsWith === undefined ? '' : `, shares ${nameOf(node.shareWeightsWith)}'s weights`;
    forward.push(`${name} = ${code.forward(node.inputs.map(nameOf), moduleRef)}  # ${idNote}${shapeText(shapes.get(node.id)!)}${shared}`);
  }

  const notes: string[] = [];
  if (unusedNodes.length > 0) {
    notes.push(`${unusedNodes.length} node(s) do not reach the output: their layers exist, so the parameters`, 'count as in the IR, but forward does not compute them.');
  }
  if (ir.nodes.some((n) => n.shareWeightsWith !== undefined)) notes.push('A node that shares weights calls its owner\'s layer: shared parameters exist once.');
  const imageOutput = outputShape.length === 3;
  const output = nameOf(ir.output);
  const lines = [
    `"""${commentText(ir.name ?? 'network')}: a PyTorch module generated by blockqnn from its network IR.`,
    '',
    `Input:  float images [N, ${c}, ${h}, ${w}] (NCHW), pixel values in [0, 1];`,
    `        Network(input_layout="NHWC") takes [N, ${h}, ${w}, ${c}]${imageOutput ? ' and returns NHWC too' : ''}.`,
    `Output: [N, ${imageOutput ? [outputShape[2], outputShape[0], outputShape[1]].join(', ') : outputShape.join(', ')}], the value of IR node "${commentText(ir.output)}" (logits for a classifier).`,
    `Trainable parameters: ${grouped(params)}, the IR's count (batch-norm statistics are buffers).`,
    'Shapes in comments are the IR\'s [H, W, C] without the batch axis.',
    ...(notes.length > 0 ? ['', ...notes] : []),
    '',
    'On CUDA, model.to(memory_format=torch.channels_last) with channels-last input is fastest.',
    'Only torch is imported; layers keep PyTorch\'s default initialisation.',
    '"""',
    'import torch',
    'from torch import nn',
    'from torch.nn import functional as F',
    '',
    '',
    ...(ir.nodes.some((n) => n.op === 'dpp') ? [DPP_MODULE_SOURCE, ''] : []),
    `class ${GENERATED_CLASS_NAME}(nn.Module):`,
    `    INPUT_SHAPE = ${pyTuple(ir.input.shape)}  # [H, W, C]`,
    `    OUTPUT_SHAPE = ${pyTuple(outputShape)}`,
    `    PARAMETERS = ${params}`,
    '',
    '    def __init__(self, input_layout="NCHW"):',
    '        super().__init__()',
    '        if input_layout not in ("NCHW", "NHWC"):',
    '            raise ValueError(f"input_layout must be \'NCHW\' or \'NHWC\', not {input_layout!r}")',
    '        self.input_layout = input_layout',
    ...init.map((l) => `        ${l}`),
    '',
    '    def forward(self, x):',
    '        if self.input_layout == "NHWC":',
    '            x = x.permute(0, 3, 1, 2)',
    ...forward.map((l) => `        ${l}`),
    ...(imageOutput ? ['        if self.input_layout == "NHWC":', `            return ${output}.permute(0, 2, 3, 1)`] : []),
    `        return ${output}`,
    '',
  ];
  const nameMap = new Map(ir.nodes.map((n) => [n.id, nameOf(n.id)]));
  return { source: lines.join('\n'), className: GENERATED_CLASS_NAME, params, names: nameMap, unusedNodes };
}

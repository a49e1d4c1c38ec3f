import * as vscode from 'vscode';
import type { BaseImageSizes } from './docker/baseImageSizes';
import type { DockerfileLinter } from './dockerfileLint';
import { isDockerfile } from './dockerfileLint';

/**
 * Code lenses above each FROM: the stage's role (final, build stage used by whom,
 * unused) and its base image's size with the source of the figure (local engine,
 * registry or table; the detail is in the tooltip).
 */
export class DockerfileLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscriptions: { dispose(): void }[];
  private baseSizes: BaseImageSizes | undefined;

  /**
   * Tells whether a build measured the base image of a stage (the Docker size lenses
   * then show the engine's figure, and the table's estimate would only contradict it).
   */
  measuredBase: (uri: vscode.Uri, stageIndex: number) => boolean = () => false;

  constructor(private readonly linter: DockerfileLinter) {
    this.subscriptions = [
      this.changed,
      linter.onDidAnalyse(() => { this.changed.fire(); }),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('berth.codeLens')) this.changed.fire(); }),
    ];
  }

  /** Live base image sizes (local engine, registry); without them the lint worker's table figure is shown. */
  useBaseImageSizes(sizes: BaseImageSizes): void {
    this.baseSizes = sizes;
    this.subscriptions.push(sizes.onDidChange(() => { this.changed.fire(); }));
    this.changed.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!isDockerfile(doc) || !vscode.workspace.getConfiguration('berth.codeLens', doc.uri).get<boolean>('enabled', true)) return [];
    const analysis = this.linter.analysis(doc.uri);
    if (!analysis || analysis.binary) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const stage of analysis.stages) {
      if (stage.line >= doc.lineCount) continue;
      const range = new vscode.Range(stage.line, 0, stage.line, 0);
      // A lens without a command id renders as plain text.
      lenses.push(new vscode.CodeLens(range, { title: stage.role, command: '' }));
      if (stage.base === undefined || this.measuredBase(doc.uri, stage.stageIndex)) continue;
      if (stage.baseImage !== undefined && this.baseSizes) {
        const described = this.baseSizes.describe(stage.baseImage);
        lenses.push(new vscode.CodeLens(range, { title: described.text, command: '', tooltip: described.tooltip }));
      } else {
        lenses.push(new vscode.CodeLens(range, { title: stage.base, command: '' }));
      }
    }
    return lenses;
  }

  /** Asks VS Code to ask for the lenses again. */
  refresh(): void {
    this.changed.fire();
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}

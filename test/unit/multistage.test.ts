import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile } from '../../src/core/dockerfile/parser';
import { lintDockerfile } from '../../src/core/dockerfile/lint';
import { buildCommandOf, detectEcosystem, javaVersionOf, rewriteMultiStage, sdkImage } from '../../src/core/dockerfile/multistage';
import { parseImageRef } from '../../src/core/dockerfile/imageRef';
import { parseShell } from '../../src/core/dockerfile/shell';
import { berthRules } from '../../src/core/dockerfile/rules/berth/index';
import type { Stage } from '../../src/core/dockerfile/model';

const BT201 = berthRules.find((r) => r.code === 'BT201');

/** Rewrites and checks what every rewrite must satisfy; returns the parsed result and its final stage. */
function rewrite(lines: readonly string[]): { text: string; final: Stage; finalText: string } {
  const original = lines.join('\n');
  const result = rewriteMultiStage(original);
  assert.ok(result, `no rewrite for:\n${original}`);
  const df = parseDockerfile(result.text);
  assert.deepEqual(df.problems, [], result.text);
  const before = parseDockerfile(original).stages.length;
  assert.equal(df.stages.length, before + 1, result.text);
  const final = df.stages[df.stages.length - 1] as Stage;
  // The runtime stage copies from the build stage and carries no toolchain.
  assert.ok(final.instructions.some((i) => i.keyword === 'COPY' && i.flags.some((f) => f.name === 'from' && f.value === result.plan.buildStage)), result.text);
  const sdk = final.image ? sdkImage(final.image) : undefined;
  assert.ok(sdk === undefined || !sdk.always, `runtime stage on an SDK: ${final.baseImage}`);
  assert.ok(BT201);
  const again = lintDockerfile({ text: result.text, rules: [BT201] }).findings;
  assert.deepEqual(again.map((f) => f.message), [], `BT201 still fires on:\n${result.text}`);
  // The original text is kept as the build stage.
  assert.ok(result.text.startsWith(original.split('\n')[0] ?? ''));
  const finalText = result.text.split('\n').slice(final.from.range.start.line).join('\n');
  return { text: result.text, final, finalText };
}

describe('multistage: Go', () => {
  it('builds a static binary onto distroless and keeps the runtime settings', () => {
    const { text, final, finalText } = rewrite([
      'FROM golang:1.22',
      'WORKDIR /src',
      'COPY go.mod go.sum ./',
      'RUN go mod download',
      'COPY . .',
      'RUN go build -o /out/server ./cmd/server',
      'ENV PORT=8080 GOFLAGS=-mod=mod',
      'EXPOSE 8080',
      'USER 1000',
      'CMD /out/server --port 8080',
    ]);
    assert.match(text, /^FROM golang:1\.22 AS build\nENV CGO_ENABLED=0\n/);
    assert.equal(final.baseImage, 'gcr.io/distroless/static-debian13');
    assert.match(finalText, /COPY --from=build --chown=1000 \/out\/server \/out\/server/);
    assert.match(finalText, /ENV PORT=8080\n/);
    assert.doesNotMatch(finalText, /GOFLAGS/);
    assert.match(finalText, /EXPOSE 8080/);
    assert.match(finalText, /USER 1000/);
    // Distroless has no shell: the shell-form CMD becomes exec form.
    assert.match(finalText, /CMD \["\/out\/server", "--port", "8080"\]/);
  });

  it('keeps cgo builds on the builder\'s libc and installs their runtime libraries', () => {
    const { final, finalText } = rewrite([
      'FROM golang:1.22-alpine',
      'RUN apk add --no-cache gcc musl-dev sqlite-dev ca-certificates',
      'WORKDIR /app',
      'COPY . .',
      'RUN go build -o app .',
      'ENTRYPOINT ["./app"]',
    ]);
    assert.equal(final.baseImage, 'alpine:3');
    assert.match(finalText, /RUN apk add --no-cache sqlite-libs ca-certificates/);
    assert.match(finalText, /WORKDIR \/app/);
    assert.match(finalText, /COPY --from=build \/app\/app \/app\/app/);
    assert.doesNotMatch(finalText, /gcc|musl-dev/);
  });

  it('copies go install output onto PATH when CMD names the program', () => {
    const { finalText } = rewrite(['FROM golang:1.26', 'WORKDIR /go/src/app', 'COPY . .', 'RUN go install -v ./...', 'CMD ["app"]']);
    assert.match(finalText, /COPY --from=build \/go\/bin\/ \/usr\/local\/bin\//);
  });

  it('reuses the name of a named final stage and keeps earlier stages', () => {
    const { text, finalText } = rewrite([
      'FROM node:22 AS web',
      'RUN echo assets > /assets.txt',
      'FROM --platform=$BUILDPLATFORM golang:1.22 as server',
      'COPY --from=web /assets.txt /src/assets.txt',
      'RUN go build -o /bin/server .',
      'ENTRYPOINT ["/bin/server"]',
    ]);
    assert.match(text, /as server\n/);
    assert.match(finalText, /COPY --from=server \/bin\/server \/bin\/server/);
  });

  it('has no plan when the binary cannot be told or the container runs go itself', () => {
    assert.equal(rewriteMultiStage(['FROM golang:1.22', 'COPY . .', 'RUN go build .', 'CMD ["myapp"]'].join('\n')), undefined);
    assert.equal(rewriteMultiStage(['FROM golang:1.22', 'COPY . .', 'CMD ["go", "run", "main.go"]'].join('\n')), undefined);
  });
});

describe('multistage: Rust, Java, .NET', () => {
  it('copies the release binary onto the matching Debian slim with CA certificates', () => {
    const { final, finalText } = rewrite(['FROM rust:1.80-bookworm', 'WORKDIR /usr/src/myapp', 'COPY . .', 'RUN cargo build --release', 'EXPOSE 8000', 'CMD ["./target/release/myapp"]']);
    assert.equal(final.baseImage, 'debian:bookworm-slim');
    assert.match(finalText, /ca-certificates/);
    assert.match(finalText, /COPY --from=build \/usr\/src\/myapp\/target\/release\/myapp \/usr\/src\/myapp\/target\/release\/myapp/);
  });

  it('uses --bin and cargo install', () => {
    assert.match(rewrite(['FROM rust:1.80', 'WORKDIR /app', 'COPY . .', 'RUN cargo build --release --bin api', 'CMD ["/app/target/release/api"]']).finalText, /\/app\/target\/release\/api/);
    const { final, finalText } = rewrite(['FROM rust:1.80', 'WORKDIR /usr/src/myapp', 'COPY . .', 'RUN cargo install --path .', 'CMD ["myapp"]']);
    assert.equal(final.baseImage, 'debian:stable-slim');
    assert.match(finalText, /COPY --from=build \/usr\/local\/cargo\/bin\/myapp \/usr\/local\/bin\/myapp/);
  });

  it('turns a Maven build into a JRE image that runs the jar', () => {
    const { final, finalText } = rewrite([
      'FROM maven:3.9-eclipse-temurin-17',
      'WORKDIR /app',
      'COPY pom.xml .',
      'RUN mvn dependency:go-offline',
      'COPY src ./src',
      'RUN mvn -B package -DskipTests',
      'EXPOSE 8080',
      'CMD ["mvn", "spring-boot:run"]',
    ]);
    assert.equal(final.baseImage, 'eclipse-temurin:17-jre');
    assert.match(finalText, /COPY --from=build \/app\/target\/\*\.jar \/app\/app\.jar/);
    assert.match(finalText, /ENTRYPOINT \["java", "-jar", "\/app\/app\.jar"\]/);
    assert.doesNotMatch(finalText, /mvn/);
  });

  it('keeps the jar a Gradle image already runs', () => {
    const { final, finalText } = rewrite(['FROM gradle:8-jdk21', 'WORKDIR /home/gradle/src', 'COPY . .', 'RUN gradle bootJar --no-daemon', 'ENTRYPOINT ["java", "-jar", "build/libs/app.jar"]']);
    assert.equal(final.baseImage, 'eclipse-temurin:21-jre');
    assert.match(finalText, /\/home\/gradle\/src\/build\/libs\/app\.jar/);
    assert.match(finalText, /WORKDIR \/home\/gradle\/src/);
  });

  it('publishes .NET onto the ASP.NET runtime image', () => {
    const { final, finalText } = rewrite(['FROM mcr.microsoft.com/dotnet/sdk:8.0', 'WORKDIR /src', 'COPY . .', 'RUN dotnet publish -c Release -o /app/out', 'WORKDIR /app/out', 'ENTRYPOINT ["dotnet", "MyApp.dll"]']);
    assert.equal(final.baseImage, 'mcr.microsoft.com/dotnet/aspnet:8.0');
    assert.match(finalText, /COPY --from=build \/app\/out \/app\/out/);
  });

  it('reads Java versions from image tags', () => {
    assert.equal(javaVersionOf('maven', '3.9-eclipse-temurin-17'), 17);
    assert.equal(javaVersionOf('maven', '3.8.5-openjdk-11'), 11);
    assert.equal(javaVersionOf('gradle', '8-jdk21'), 21);
    assert.equal(javaVersionOf('openjdk', '8-jdk-alpine'), 8);
    assert.equal(javaVersionOf('maven', 'latest'), undefined);
  });
});

describe('multistage: Node.js and Python', () => {
  it('builds, prunes dev dependencies in the build stage, and runs on the slim variant', () => {
    const { text, final, finalText } = rewrite([
      'FROM node:22',
      'WORKDIR /app',
      'COPY package.json package-lock.json ./',
      'RUN npm ci',
      'COPY . .',
      'RUN npm run build',
      'EXPOSE 3000',
      'CMD ["node", "dist/server.js"]',
    ]);
    assert.match(text, /RUN npm prune --omit=dev\n\n# Runtime stage/);
    assert.equal(final.baseImage, 'node:22-slim');
    assert.match(finalText, /ENV NODE_ENV=production/);
    assert.match(finalText, /COPY --from=build \/app \/app/);
    assert.match(finalText, /CMD \["node", "dist\/server\.js"\]/);
  });

  it('keeps the node user of node images, and yarn 1 prunes with --production', () => {
    const { text, finalText } = rewrite(['FROM node:20-bookworm', 'WORKDIR /home/node/app', 'COPY . .', 'RUN yarn install --frozen-lockfile && yarn build', 'USER node', 'CMD ["node", "build/index.js"]']);
    assert.match(text, /RUN yarn install --production --ignore-scripts --prefer-offline/);
    assert.match(finalText, /^FROM node:20-bookworm-slim$/m);
    assert.match(finalText, /COPY --from=build --chown=node \/home\/node\/app \/home\/node\/app/);
    assert.match(finalText, /USER node/);
  });

  it('declines Yarn 2+ projects and apps without a working directory', () => {
    assert.equal(rewriteMultiStage(['FROM node:22', 'WORKDIR /app', 'COPY .yarnrc.yml package.json yarn.lock ./', 'RUN corepack enable && yarn install', 'COPY . .', 'RUN yarn build', 'CMD ["node", "dist/index.js"]'].join('\n')), undefined);
    assert.equal(rewriteMultiStage(['FROM node:22', 'COPY . .', 'RUN npm ci && npm run build', 'CMD ["node", "dist/index.js"]'].join('\n')), undefined);
  });

  it('installs into a virtualenv, copies it, keeps runtime packages and the user', () => {
    const { text, final, finalText } = rewrite([
      'FROM python:3.11',
      'RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev ffmpeg && rm -rf /var/lib/apt/lists/*',
      'WORKDIR /app',
      'COPY requirements.txt .',
      'RUN pip install --no-cache-dir -r requirements.txt',
      'COPY . .',
      'RUN useradd -m app',
      'USER app',
      'EXPOSE 8000',
      'CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]',
    ]);
    assert.match(text, /^FROM python:3\.11 AS build\nRUN python -m venv \/opt\/venv\nENV PATH="\/opt\/venv\/bin:\$PATH"\n/);
    assert.equal(final.baseImage, 'python:3.11-slim');
    assert.match(finalText, /apt-get install -y --no-install-recommends libpq5 ffmpeg/);
    assert.doesNotMatch(finalText, /gcc|libpq-dev/);
    assert.match(finalText, /RUN useradd -m app\n/);
    assert.match(finalText, /COPY --from=build --chown=app \/opt\/venv \/opt\/venv/);
    assert.match(finalText, /ENV PATH="\/opt\/venv\/bin:\$PATH"/);
  });

  it('declines Python 2 (no venv module)', () => {
    assert.equal(rewriteMultiStage(['FROM python:2-alpine', 'RUN apk add --no-cache gcc musl-dev', 'WORKDIR /app', 'COPY . .', 'RUN pip install -r requirements.txt', 'CMD ["python", "app.py"]'].join('\n')), undefined);
  });

  it('declines pip --user installs (they do not mix with a virtualenv)', () => {
    assert.equal(rewriteMultiStage(['FROM python:3.12', 'RUN apt-get update && apt-get install -y gcc', 'WORKDIR /app', 'COPY . .', 'RUN pip install --user -r requirements.txt', 'CMD ["python", "app.py"]'].join('\n')), undefined);
  });
});

describe('multistage: detection helpers', () => {
  it('classifies SDK images', () => {
    assert.equal(sdkImage(parseImageRef('golang:1.22-alpine'))?.always, true);
    assert.equal(sdkImage(parseImageRef('mcr.microsoft.com/dotnet/sdk:8.0'))?.ecosystem, 'dotnet');
    assert.equal(sdkImage(parseImageRef('openjdk:17'))?.always, false);
    assert.equal(sdkImage(parseImageRef('eclipse-temurin:17-jre')), undefined);
    assert.equal(sdkImage(parseImageRef('debian:bookworm')), undefined);
  });

  it('recognises build commands', () => {
    const label = (script: string): string | undefined => {
      const cmd = parseShell(script)[0];
      return cmd ? buildCommandOf(cmd)?.label : undefined;
    };
    assert.equal(label('go build -o app .'), 'go build');
    assert.equal(label('./mvnw -B clean package'), 'mvnw package');
    assert.equal(label('./gradlew :app:bootJar'), 'gradlew :app:bootJar');
    assert.equal(label('yarn build'), 'yarn build');
    assert.equal(label('npm run build:prod'), 'npm run build:prod');
    assert.equal(label('npm start'), undefined);
    assert.equal(label('go test ./...'), undefined);
    assert.equal(label('go install ./cmd/...'), 'go install');
    assert.equal(label('go install golang.org/x/tools/gopls@v0.16.2'), undefined);
  });

  it('detects the ecosystem of a final stage', () => {
    assert.equal(detectEcosystem(parseDockerfile('FROM golang:1.22\nRUN go build -o /a .')), 'go');
    assert.equal(detectEcosystem(parseDockerfile('FROM debian:bookworm\nRUN echo hi')), undefined);
    assert.equal(detectEcosystem(parseDockerfile('FROM node:22\nRUN npm ci')), 'node');
  });

  it('appends cleanly to files without a final newline and with CRLF line ends', () => {
    const noNewline = rewriteMultiStage('FROM golang:1.22\nRUN go build -o /app .\nCMD ["/app"]');
    assert.ok(noNewline);
    assert.match(noNewline.text, /CMD \["\/app"\]\n\n# Runtime stage/);
    const crlf = rewriteMultiStage('FROM golang:1.22\r\nRUN go build -o /app .\r\nCMD ["/app"]\r\n');
    assert.ok(crlf);
    assert.equal(parseDockerfile(crlf.text).stages.length, 2);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isProtectedContext } from '../../../src/core/kube/protected';

describe('isProtectedContext', () => {
  it('matches * and ? globs against the whole name, ignoring case', () => {
    const patterns = ['prod*', '*-live', 'eu-?-main'];
    assert.ok(isProtectedContext('prod', patterns));
    assert.ok(isProtectedContext('Production-EU', patterns));
    assert.ok(isProtectedContext('shop-live', patterns));
    assert.ok(isProtectedContext('EU-1-MAIN', patterns));
    assert.ok(!isProtectedContext('preprod', patterns), 'prod* is anchored at the start');
    assert.ok(!isProtectedContext('shop-live-2', patterns), '*-live is anchored at the end');
    assert.ok(!isProtectedContext('eu-12-main', patterns), '? is exactly one character');
    assert.ok(!isProtectedContext('staging', patterns));
  });

  it('treats regex characters literally', () => {
    assert.ok(isProtectedContext('arn:aws:eks:eu-west-1:123:cluster/prod', ['arn:aws:eks:*:cluster/prod']));
    assert.ok(!isProtectedContext('gke_x_y', ['gke.x.y']));
    assert.ok(isProtectedContext('a+b(c)', ['a+b(c)']));
  });

  it('ignores blank patterns and protects nothing without patterns', () => {
    assert.ok(!isProtectedContext('prod', []));
    assert.ok(!isProtectedContext('prod', ['', '   ']));
    assert.ok(isProtectedContext('prod', [' prod ']));
    assert.ok(isProtectedContext('anything', ['*']));
    assert.ok(isProtectedContext('', ['*']));
  });

  it('stays fast on a pathological pattern', () => {
    const start = performance.now();
    assert.ok(!isProtectedContext('a'.repeat(5000), ['*a*a*a*a*a*a*a*a*b']));
    assert.ok(performance.now() - start < 500);
  });
});

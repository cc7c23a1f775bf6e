/** The settings module: the environment is read once, at start-up, and a wrong variable is named. */
import { describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from '../src/settings';
import { mailOf } from '../src/worker';

describe('settings from the environment', () => {
  it('defaults: var/ of the checkout, English unless LANG is Japanese, WARN', () => {
    const s = loadSettings({}, '/repo');
    expect(s).toMatchObject({ varDir: '/repo/var', lang: 'en', logLevel: 'WARN' });
    expect(s.actor).toBeUndefined();
    expect(loadSettings({ LANG: 'ja_JP.UTF-8' }, '/repo').lang).toBe('ja');
  });

  it('REMEDIATE_LANG wins over LANG; levels and languages in any case', () => {
    const s = loadSettings({
      LANG: 'ja_JP.UTF-8',
      REMEDIATE_LANG: 'EN',
      REMEDIATE_LOG_LEVEL: 'debug',
      REMEDIATE_AS: 'sato',
    });
    expect(s).toMatchObject({ lang: 'en', logLevel: 'DEBUG', actor: 'sato' });
  });

  it('names every wrong variable at once, in English and Japanese', () => {
    let error: unknown;
    try {
      loadSettings({ REMEDIATE_LANG: 'fr', REMEDIATE_LOG_LEVEL: 'LOUD', REMEDIATE_AS: 'Sato Hanako' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const lines = (error as SettingsError).lines;
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^REMEDIATE_LANG=fr: must be ja or en \/ 環境変数 REMEDIATE_LANG/);
    expect(lines[1]).toMatch(/^REMEDIATE_LOG_LEVEL=LOUD: must be one of TRACE, DEBUG, INFO, WARN, ERROR/);
    expect(lines[2]).toMatch(/^REMEDIATE_AS=Sato Hanako: must be a person id/);
  });

  it('a malformed mail setting fails at start-up as a settings error naming the variable', () => {
    const settings = loadSettings({ SMTP_URL: 'http://relay.example.jp' }, '/tmp/remediate-settings');
    expect(() => mailOf(settings)).toThrow(SettingsError);
    expect(() => mailOf(settings)).toThrow(/SMTP_URL must be smtp:/);
  });
});

// ESLint for the panel's TypeScript, as the JupyterLab extension template configures it (flat config).
import js from '@eslint/js';
import jupyterPlugin from '@jupyter/eslint-plugin';
import { defineConfig } from 'eslint/config';
import prettierRecommended from 'eslint-plugin-prettier/recommended';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig([
  {
    ignores: [
      'node_modules',
      'lib',
      'coverage',
      'jupyter_mlops',
      'examples',
      '.venv*',
      '**/*.js',
      '**/*.d.ts'
    ]
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    plugins: {
      jupyter: jupyterPlugin
    }
  },
  jupyterPlugin.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: {
      'react-hooks': reactHooks
    },
    languageOptions: {
      globals: {
        ...globals.browser,
        ...globals.es2015,
        ...globals.node
      },
      parserOptions: {
        project: 'tsconfig.test.json',
        sourceType: 'module'
      }
    },
    rules: {
      '@typescript-eslint/naming-convention': [
        'error',
        {
          selector: 'interface',
          format: ['PascalCase'],
          custom: {
            regex: '^I[A-Z]',
            match: true
          }
        }
      ],
      '@typescript-eslint/no-unused-vars': ['warn', { args: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-namespace': 'off',
      '@typescript-eslint/no-use-before-define': 'off',
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
      curly: ['error', 'all'],
      eqeqeq: 'error',
      'prefer-arrow-callback': 'error',
      // The panel is not translated (no ITranslator yet): its strings are plain English.
      'jupyter/no-untranslated-string': 'off'
    }
  },
  {
    // The plugins need their models and widgets at activation: nothing to load lazily.
    files: ['labextension/src/index.ts', 'labextension/src/tagsPlugin.ts'],
    rules: { 'jupyter/prefer-lazy-imports': 'off' }
  },
  {
    // Generated from jupyter_mlops/core/contract.py with the Python class names.
    files: ['labextension/src/contract.ts'],
    rules: { '@typescript-eslint/naming-convention': 'off' }
  },
  prettierRecommended
]);

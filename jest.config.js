/** Jest for the panel's model logic: TypeScript through ts-jest, no DOM (the models use none). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/labextension/tests'],
  testRegex: '\\.spec\\.ts$',
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }]
  },
  cacheDirectory: '<rootDir>/node_modules/.cache/jest'
};

// Starts GraphiQL against this server's /graphql. It is a file rather than a script in the
// page so that the page's Content-Security-Policy can refuse every inline script.
(function () {
  'use strict';
  var fetcher = GraphiQL.createFetcher({ url: '/graphql' });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      // A token is pasted here as {"Authorization": "Bearer …"}; without one the server answers
      // only `login`, so the schema loads once a token is in and the schema is fetched again.
      isHeadersEditorEnabled: true,
      // Never written to localStorage, where the token would outlive the tab.
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: 'headers',
      defaultHeaders: '{\n  "Authorization": "Bearer "\n}',
      defaultQuery: '# Paste a token after "Bearer " in the Headers pane below, then run:\n' +
        '{\n  viewer {\n    subject\n    role\n  }\n}\n',
    }),
  );
})();
